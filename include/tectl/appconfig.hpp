// The managed configuration Duo Mobile needs on devices managed by EPMM.
//
// iOS integrations deliver it through an AppConfig spec file (app_config_spec.xml) that the EPMM
// admin uploads under "Managed App Configurations"; Android integrations through two values typed
// into the App Catalog entry. This header generates both and checks a spec file an admin is about
// to upload, reporting each problem with its line and what to do. It knows nothing of the state
// store or of HTTP: callers pass the integration record.
#pragma once

#include "tectl/integration.hpp"

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace tectl::appconfig {

inline constexpr std::string_view ios_bundle_id = "com.duosecurity.DuoMobile";
inline constexpr std::string_view android_package = "com.duosecurity.duomobile";
inline constexpr std::string_view identifier_key = "trustedEndpointIdentifier";
inline constexpr std::string_view configuration_key_key = "trustedEndpointConfigurationKey";
// EPMM replaces this token with each device's Device UUID when it delivers the configuration.
inline constexpr std::string_view device_uuid_token = "$DEVICE_UUID$";
// Spec files larger than this are refused unread; Duo Mobile's is about 2 KB.
inline constexpr std::size_t max_spec_file_bytes = 1024 * 1024;

// True for "DPK" followed by sixteen upper-case letters and digits.
bool is_configuration_key(std::string_view text);

// The AppConfig spec file for an iOS integration: UTF-8 with an XML declaration and no
// byte-order mark, `version` = the integration's spec_version. The same integration always gives
// the same bytes. Throws Error(usage) for a non-iOS integration and Error(failure) when the
// record's configuration key or spec version is malformed.
std::string generate_spec_file(const Integration& integration);

// Writes a generated spec file to `path` atomically (tectl::write_file_atomic, mode 0644: it
// holds nothing secret and is meant to be uploaded). Throws Error(failure) naming the path.
void write_spec_file(const std::filesystem::path& path, std::string_view xml);

// One value the EPMM App Catalog asks for when distributing Duo Mobile through Google Play.
struct ManagedValue {
    std::string label;  // the field's label in the EPMM console
    std::string key;    // the managed-configuration key Duo Mobile reads
    std::string value;

    bool operator==(const ManagedValue&) const = default;
};

// The two managed-configuration values of an Android integration: the Trusted Endpoint
// Identifier ($DEVICE_UUID$) and the Trusted Endpoints Configuration Key. Throws Error(usage) for
// a non-Android integration and Error(failure) for a malformed configuration key.
std::vector<ManagedValue> android_values(const Integration& integration);

// One problem found in a spec file. The codes are stable (scripts match on them):
//   the file:     empty, not-xml, html, plist, bom, utf16, nul, not-utf8, encoding
//   the schema:   root, namespace, unknown-element, unknown-attribute, duplicate-element,
//                 element-order, missing-element, version, bundle-id, empty-dict,
//                 missing-keyname, duplicate-key, value-count, locale, presentation-empty,
//                 presentation-key, field-type
//   Duo Mobile:   duo-bundle-id, missing-key, misspelt-key, key-type, missing-value,
//                 identifier-placeholder, identifier-near-miss, identifier-literal,
//                 identifier-variable, identifier-value, config-key-shape, config-key-mismatch
struct Finding {
    int line = 0;         // 1-based; 0 when the problem has no single line
    std::string code;     // stable short id, e.g. "bom", "duplicate-key", "config-key-mismatch"
    std::string message;  // what is wrong
    std::string hint;     // what to do about it

    bool operator==(const Finding&) const = default;
};

// Reads a spec file for check_spec_file. Throws Error(usage) when it cannot be read: missing,
// not a regular file, unreadable, or larger than max_spec_file_bytes.
std::string read_spec_file(const std::filesystem::path& path);

// Checks the bytes of a spec file against the AppConfig schema rules and Duo Mobile's needs.
// With `expected`, also checks that the configuration key is that integration's; it must be an
// iOS integration (Error(usage) otherwise). Returns the findings in line order; none means the
// file is ready to upload.
std::vector<Finding> check_spec_file(std::string_view bytes, const Integration* expected = nullptr);

}  // namespace tectl::appconfig
