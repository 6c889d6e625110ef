#include "tectl/integration.hpp"

#include "tectl/error.hpp"

#include <climits>
#include <cstdint>

namespace tectl {

std::string_view to_string(Platform platform) {
    return platform == Platform::ios ? "ios" : "android";
}

std::string_view to_string(Status status) {
    switch (status) {
        case Status::disabled:
            return "disabled";
        case Status::test_group:
            return "test-group";
        case Status::all_users:
            return "all-users";
    }
    return "disabled";
}

Platform parse_platform(std::string_view text) {
    if (text == "android")
        return Platform::android;
    if (text == "ios")
        return Platform::ios;
    if (text == "ios-certificate" || text == "ios-cert" || text == "ios-certificates") {
        throw Error(ErrorKind::conflict,
                    "iOS certificate integrations can no longer be created: certificate-based "
                    "trusted endpoint checks reached end of life on 7 October 2024",
                    "use --platform ios, which is Duo Mobile with AppConfig, instead");
    }
    throw Error(ErrorKind::usage, "unknown platform '" + std::string(text) + "'",
                "use --platform android or --platform ios");
}

Status parse_status(std::string_view text) {
    if (text == "disabled")
        return Status::disabled;
    if (text == "test-group")
        return Status::test_group;
    if (text == "all-users")
        return Status::all_users;
    throw Error(ErrorKind::failure, "unknown integration status '" + std::string(text) + "'");
}

void to_json(nlohmann::json& j, const EpmmSettings& s) {
    j = {{"host", s.host},     {"port", s.port},     {"user", s.user},
         {"spaces", s.spaces}, {"cacert", s.cacert}, {"insecure", s.insecure}};
}

namespace {

// A whole number within [low, high], or `fallback` when absent. nlohmann would convert 1e300 or
// 2.5 to int without a word (the first is undefined behaviour), so check before converting.
int bounded_int(const nlohmann::json& j, const char* key, int fallback, int low, int high) {
    auto it = j.find(key);
    if (it == j.end())
        return fallback;
    // Unsigned above INT64_MAX would wrap to a negative int64, so cap it first.
    bool whole = it->is_number_integer();
    std::int64_t value = !whole ? 0
                         : it->is_number_unsigned() && it->get<std::uint64_t>() > INT64_MAX
                             ? INT64_MAX
                             : it->get<std::int64_t>();
    if (!whole || value < low || value > high) {
        throw Error(ErrorKind::failure, std::string("'") + key + "' is not a whole number from " +
                                            std::to_string(low) + " to " + std::to_string(high));
    }
    return static_cast<int>(value);
}

// Device space ids: whole numbers from 1 up. A fraction or a number past int64 is refused, not
// converted (converting an out-of-range double is undefined behaviour).
std::vector<std::int64_t> space_ids(const nlohmann::json& j) {
    auto it = j.find("spaces");
    if (it == j.end() || it->is_null())
        return {};
    if (!it->is_array())
        throw Error(ErrorKind::failure, "'spaces' is not a list of device space ids");
    std::vector<std::int64_t> ids;
    for (const auto& id : *it) {
        bool fits = id.is_number_integer() &&
                    !(id.is_number_unsigned() && id.get<std::uint64_t>() > INT64_MAX);
        if (!fits || id.get<std::int64_t>() < 1) {
            throw Error(ErrorKind::failure,
                        "'spaces' holds " + id.dump() + ", which is not a device space id");
        }
        ids.push_back(id.get<std::int64_t>());
    }
    return ids;
}

}  // namespace

void from_json(const nlohmann::json& j, EpmmSettings& s) {
    s.host = j.value("host", "");
    s.port = bounded_int(j, "port", 443, 1, 65535);
    s.user = j.value("user", "");
    s.spaces = space_ids(j);
    s.cacert = j.value("cacert", "");
    s.insecure = j.value("insecure", false);
}

void to_json(nlohmann::json& j, const CheckResult& c) {
    j = {{"name", c.name}, {"ok", c.ok}, {"detail", c.detail}};
}

void from_json(const nlohmann::json& j, CheckResult& c) {
    c.name = j.at("name").get<std::string>();
    c.ok = j.at("ok").get<bool>();
    c.detail = j.value("detail", "");
}

void to_json(nlohmann::json& j, const ConfigTest& t) {
    j = {{"time", t.time}, {"ok", t.ok}, {"epmm_version", t.epmm_version}, {"checks", t.checks}};
}

void from_json(const nlohmann::json& j, ConfigTest& t) {
    t.time = j.at("time").get<std::string>();
    t.ok = j.at("ok").get<bool>();
    t.epmm_version = j.value("epmm_version", "");
    t.checks = j.value("checks", std::vector<CheckResult>{});
}

void to_json(nlohmann::json& j, const Integration& i) {
    j = {{"id", i.id},
         {"name", i.name},
         {"platform", to_string(i.platform)},
         {"status", to_string(i.status)},
         {"test_groups", i.test_groups},
         {"config_key", i.config_key},
         {"spec_version", i.spec_version},
         {"epmm", i.epmm},
         {"last_test", nullptr},
         {"last_sync", nullptr},
         {"created_at", i.created_at},
         {"updated_at", i.updated_at}};
    if (i.last_test)
        j["last_test"] = *i.last_test;
    if (i.last_sync)
        j["last_sync"] = *i.last_sync;
}

void from_json(const nlohmann::json& j, Integration& i) {
    i.id = j.at("id").get<std::string>();
    i.name = j.at("name").get<std::string>();
    i.platform = parse_platform(j.at("platform").get<std::string>());
    i.status = parse_status(j.at("status").get<std::string>());
    i.test_groups = j.value("test_groups", std::vector<std::string>{});
    i.config_key = j.at("config_key").get<std::string>();
    i.spec_version = bounded_int(j, "spec_version", 1, 1, INT_MAX);
    i.epmm = j.value("epmm", EpmmSettings{});
    i.last_test.reset();
    if (j.contains("last_test") && !j["last_test"].is_null())
        i.last_test = j["last_test"];
    i.last_sync.reset();
    if (j.contains("last_sync") && !j["last_sync"].is_null())
        i.last_sync = j["last_sync"].get<std::string>();
    i.created_at = j.value("created_at", "");
    i.updated_at = j.value("updated_at", "");
}

}  // namespace tectl
