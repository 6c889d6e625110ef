#include <catch2/catch.hpp>

#include "tectl/identifier.hpp"

#include <algorithm>

using namespace tectl;

namespace {

bool has_note(const Identifier& id, const std::string& note) {
    return std::find(id.notes.begin(), id.notes.end(), note) != id.notes.end();
}

bool mentions(const Identifier& id, const std::string& text) {
    return id.message.find(text) != std::string::npos;
}

constexpr const char* kUuid = "3a45b4d5-d2e5-468c-bf4f-149efff463a9";

}  // namespace

TEST_CASE("a canonical Device UUID is accepted unchanged", "[identifier]") {
    auto id = classify_identifier(kUuid);
    CHECK(id.kind == IdentifierKind::device_uuid);
    CHECK(id.value == kUuid);
    CHECK(id.notes.empty());
    CHECK(id.message.empty());
    CHECK(to_string(id.kind) == "device-uuid");
}

TEST_CASE("a pasted UUID is normalised and every repair is reported", "[identifier]") {
    auto id = classify_identifier("  {URN:UUID:3A45B4D5-D2E5-468C-BF4F-149EFFF463A9}\t");
    CHECK(id.kind == IdentifierKind::device_uuid);
    CHECK(id.value == kUuid);

    id = classify_identifier("  urn:uuid:{3A45B4D5-D2E5-468C-BF4F-149EFFF463A9}\r\n");
    REQUIRE(id.kind == IdentifierKind::device_uuid);
    CHECK(id.value == kUuid);
    CHECK(has_note(id, "removed surrounding spaces"));
    CHECK(has_note(id, "removed urn:uuid: prefix"));
    CHECK(has_note(id, "removed braces"));
    CHECK(has_note(id, "converted to lower case"));
    CHECK(id.input == "  urn:uuid:{3A45B4D5-D2E5-468C-BF4F-149EFFF463A9}\r\n");

    id = classify_identifier("{3a45b4d5-d2e5-468c-bf4f-149efff463a9}");
    REQUIRE(id.kind == IdentifierKind::device_uuid);
    CHECK(id.notes == std::vector<std::string>{"removed braces"});

    id = classify_identifier("\"3a45b4d5-d2e5-468c-bf4f-149efff463a9\"");
    REQUIRE(id.kind == IdentifierKind::device_uuid);
    CHECK(has_note(id, "removed quotes"));

    id = classify_identifier(
        "\xEF\xBB\xBF"
        "3a45b4d5-d2e5-468c-bf4f-149efff463a9\xC2\xA0");
    REQUIRE(id.kind == IdentifierKind::device_uuid);
    CHECK(id.value == kUuid);
    CHECK(id.notes.size() == 1);

    id = classify_identifier("3A45B4D5D2E5468CBF4F149EFFF463A9");
    REQUIRE(id.kind == IdentifierKind::device_uuid);
    CHECK(id.value == kUuid);
    CHECK(has_note(id, "inserted hyphens"));
    CHECK(has_note(id, "converted to lower case"));
}

TEST_CASE("a UUID of any version is a Device UUID", "[identifier]") {
    for (const char* u :
         {"6ba7b810-9dad-11d1-80b4-00c04fd430c8", "01890a5d-ac96-774b-bcce-b302099a8057",
          "00000000-0000-0000-0000-000000000000"}) {
        CHECK(classify_identifier(u).kind == IdentifierKind::device_uuid);
    }
    CHECK(is_canonical_device_uuid(kUuid));
    CHECK_FALSE(is_canonical_device_uuid("3A45B4D5-D2E5-468C-BF4F-149EFFF463A9"));
    CHECK_FALSE(is_canonical_device_uuid("3a45b4d5d2e5468cbf4f149efff463a9"));
}

TEST_CASE("Apple UDIDs of both generations are named with what to search instead", "[identifier]") {
    auto id = classify_identifier("00008101-001D48D81168001E");
    CHECK(id.kind == IdentifierKind::apple_udid);
    CHECK(to_string(id.kind) == "apple-udid");
    CHECK(mentions(id, "Apple UDID"));
    CHECK(mentions(id, "Device Details"));

    id = classify_identifier("a1b2c3d4e5f60718293a4b5c6d7e8f9012345678");
    CHECK(id.kind == IdentifierKind::apple_udid);
    CHECK(id.value == "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678");
}

TEST_CASE("IMEIs are checked with Luhn", "[identifier]") {
    CHECK(luhn_valid("490154203237518"));
    CHECK_FALSE(luhn_valid("490154203237519"));
    CHECK_FALSE(luhn_valid("4901542032375x8"));

    auto id = classify_identifier("490154203237518");
    CHECK(id.kind == IdentifierKind::imei);
    CHECK(mentions(id, "IMEI"));
    CHECK(mentions(id, "Device UUID"));

    id = classify_identifier("49-015420-323751-8");
    CHECK(id.kind == IdentifierKind::imei);
    CHECK(id.value == "490154203237518");
    CHECK(has_note(id, "removed separators"));

    id = classify_identifier("490154203237519");
    CHECK(id.kind == IdentifierKind::invalid_imei);
    CHECK(to_string(id.kind) == "invalid-imei");
    CHECK(mentions(id, "check digit"));
}

TEST_CASE("serial numbers are recognised without swallowing other kinds", "[identifier]") {
    for (const char* serial : {"C02XL0GZJGH5", "F2LXK1ABHG7F", "R58M12ABCDE", "DMPXK9ZZ"}) {
        auto id = classify_identifier(serial);
        INFO(serial);
        CHECK(id.kind == IdentifierKind::serial_number);
        CHECK(mentions(id, "serial number"));
    }
    // Words without digits, one lower-case UUID group, too short or too long: not serials.
    CHECK(classify_identifier("PASSWORD").kind == IdentifierKind::unknown);
    CHECK(classify_identifier("3a45b4d5").kind == IdentifierKind::unknown);
    CHECK(classify_identifier("149efff463a9").kind == IdentifierKind::unknown);
    CHECK(mentions(classify_identifier("149efff463a9"), "one group of a Device UUID"));
    CHECK(classify_identifier("C02X1").kind == IdentifierKind::unknown);
    CHECK(classify_identifier("C02XL0GZJGH5ABCD").kind == IdentifierKind::unknown);
}

TEST_CASE("a small integer is EPMM's device id", "[identifier]") {
    auto id = classify_identifier(" 42 ");
    CHECK(id.kind == IdentifierKind::epmm_device_id);
    CHECK(id.value == "42");
    CHECK(to_string(id.kind) == "epmm-device-id");
    CHECK(mentions(id, "common.id"));
    CHECK(classify_identifier("0").kind == IdentifierKind::unknown);
    CHECK(classify_identifier("12345678901234").kind == IdentifierKind::unknown);
}

TEST_CASE("placeholders are reported as unsubstituted app configuration", "[identifier]") {
    auto id = classify_identifier("$DEVICE_UUID$");
    CHECK(id.kind == IdentifierKind::placeholder);
    CHECK(mentions(id, "did not substitute"));

    for (const char* p : {"$DEVICE_UUID", "$device_uuid$", "{{deviceid}}", "%deviceid%", "$UDID",
                          "{DeviceUid}", "${DEVICE_UUID}", "{{ device_uuid }}"}) {
        INFO(p);
        auto other = classify_identifier(p);
        CHECK(other.kind == IdentifierKind::placeholder);
        CHECK(mentions(other, "$DEVICE_UUID$"));
    }
    // A braced UUID starting with a letter is not a placeholder.
    CHECK(classify_identifier("{ab45b4d5-d2e5-468c-bf4f-149efff463a9}").kind ==
          IdentifierKind::device_uuid);
}

TEST_CASE("empty and unknown input say what a Device UUID looks like", "[identifier]") {
    CHECK(classify_identifier("").kind == IdentifierKind::empty);
    CHECK(classify_identifier("   \t ").kind == IdentifierKind::empty);
    CHECK(classify_identifier("\"\"").kind == IdentifierKind::empty);

    auto id = classify_identifier("hello world");
    CHECK(id.kind == IdentifierKind::unknown);
    CHECK(mentions(id, "36 characters"));

    id = classify_identifier("3a45b4d5-d2e5-468c-bf4f-149efff463a");
    CHECK(id.kind == IdentifierKind::unknown);
    CHECK(mentions(id, "8-4-4-4-11"));

    id = classify_identifier("3a45b4d5-d2e5-468c-bf4f-149efff463aO");
    CHECK(id.kind == IdentifierKind::unknown);
    CHECK(mentions(id, "'O'"));

    id = classify_identifier("user01@example.com");
    CHECK(id.kind == IdentifierKind::unknown);
    CHECK(mentions(id, "e-mail"));
}
