// The integration record: one management integration between Duo and one EPMM server, for one
// platform. Plain data; the state store persists it and every command reads it.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tectl {

enum class Platform { android, ios };
enum class Status { disabled, test_group, all_users };

std::string_view to_string(Platform platform);
std::string_view to_string(Status status);

// Parses "android" / "ios"; throws Error(usage) for anything else, and Error(conflict) for the
// legacy "ios-certificate", which can no longer be created.
Platform parse_platform(std::string_view text);
// Parses "disabled" / "test-group" / "all-users"; throws Error(failure) otherwise.
Status parse_status(std::string_view text);

// How tectl reaches the EPMM REST API for this integration. The password is not here: it lives
// in the state directory's credential file, apart from state.json.
struct EpmmSettings {
    std::string host;  // normalised host name, no scheme, no port
    int port = 443;
    std::string user;                  // the local API user's e-mail address
    std::vector<std::int64_t> spaces;  // device space ids; empty means "the user's own spaces"
    std::string cacert;                // CA bundle path, empty for the default trust sources
    bool insecure = false;             // TLS verification off (explicit, warned on every use)

    bool operator==(const EpmmSettings&) const = default;
};

struct CheckResult {
    std::string name;  // "dns", "connect", "tls", "credentials", "spaces", "device-read"
    bool ok = false;
    std::string detail;

    bool operator==(const CheckResult&) const = default;
};

// The outcome of the last configuration test ("Test Configuration").
struct ConfigTest {
    std::string time;  // ISO-8601 UTC
    bool ok = false;
    std::string epmm_version;  // as reported by /api/v2/ping, when reached
    std::vector<CheckResult> checks;

    bool operator==(const ConfigTest&) const = default;
};

struct Integration {
    std::string id;    // "DI" + 18 upper-case letters and digits
    std::string name;  // unique among integrations
    Platform platform = Platform::android;
    Status status = Status::disabled;
    std::vector<std::string> test_groups;
    std::string config_key;  // "DPK" + 16 upper-case letters and digits
    int spec_version = 1;    // AppConfig spec file version; rises when the key changes
    EpmmSettings epmm;
    std::optional<ConfigTest> last_test;
    std::optional<std::string> last_sync;  // ISO-8601 UTC of the last completed device sync
    std::string created_at;
    std::string updated_at;

    bool operator==(const Integration&) const = default;
};

void to_json(nlohmann::json& j, const EpmmSettings& s);
void from_json(const nlohmann::json& j, EpmmSettings& s);
void to_json(nlohmann::json& j, const CheckResult& c);
void from_json(const nlohmann::json& j, CheckResult& c);
void to_json(nlohmann::json& j, const ConfigTest& t);
void from_json(const nlohmann::json& j, ConfigTest& t);
void to_json(nlohmann::json& j, const Integration& i);
void from_json(const nlohmann::json& j, Integration& i);

}  // namespace tectl
