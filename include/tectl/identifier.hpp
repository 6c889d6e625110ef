// Device identifiers as support staff type or paste them. EPMM knows a device by its Device UUID
// (lower-case 8-4-4-4-12 hex, `common.uuid`); people often have something else at hand: an Apple
// UDID, an IMEI, a serial number, EPMM's own small device id, or the literal placeholder a device
// reports when its app configuration was never substituted. Classification names what the text
// is and what to search instead; normalisation repairs a UUID's cosmetic damage (spaces, braces,
// `urn:uuid:`, upper case) and reports each repair. Pure functions, no I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tectl {

enum class IdentifierKind {
    device_uuid,     // EPMM's Device UUID (common.uuid): the only kind search can look up
    apple_udid,      // 00008101-001D48D81168001E, or 40 hex digits
    imei,            // 15 digits, Luhn check digit valid
    invalid_imei,    // 15 digits failing the Luhn check: an IMEI with a typo
    serial_number,   // 8-14 letters and digits, e.g. C02XXXXXXXXX
    epmm_device_id,  // EPMM's integer device id (common.id)
    placeholder,     // an unsubstituted or misspelt placeholder, e.g. $DEVICE_UUID$ or {{deviceid}}
    empty,           // nothing left after trimming
    unknown          // none of the above
};

// Stable names used in JSON and text output: "device-uuid", "apple-udid", "imei",
// "invalid-imei", "serial-number", "epmm-device-id", "placeholder", "empty", "unknown".
std::string_view to_string(IdentifierKind kind);

struct Identifier {
    std::string input;  // exactly as given
    std::string value;  // the normalised form (for a Device UUID: lower-case 8-4-4-4-12)
    IdentifierKind kind = IdentifierKind::unknown;
    std::vector<std::string> notes;  // each repair made to reach `value`, e.g. "removed braces"
    std::string message;             // for every kind but device_uuid: what it is, what to search
};

// Normalises and classifies one identifier.
Identifier classify_identifier(std::string_view input);

// True for exactly the canonical Device UUID form: 36 characters, lower-case hex, 8-4-4-4-12.
bool is_canonical_device_uuid(std::string_view text);

// The Luhn check used by IMEIs; `digits` must be all decimal digits (false otherwise).
bool luhn_valid(std::string_view digits);

}  // namespace tectl
