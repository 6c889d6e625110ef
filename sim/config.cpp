#include "config.hpp"

#include <algorithm>
#include <set>

namespace epmm_sim {

namespace {

const std::set<std::string> kFaultKinds{"delay",        "hang",         "status",   "redirect",
                                        "huge",         "endless",      "truncate", "reset",
                                        "invalid_utf8", "ignore_offset"};

using nlohmann::json;

// Rejects keys outside `allowed`, so a misspelt option is an error rather than silently ignored.
void check_keys(const json& object, const std::string& where,
                const std::set<std::string>& allowed) {
    if (!object.is_object())
        throw ConfigError(where + " must be a JSON object");
    for (const auto& [key, value] : object.items()) {
        if (!allowed.count(key))
            throw ConfigError(where + ": unknown key '" + key + "'");
    }
}

template <typename T>
T get_or(const json& object, const std::string& key, const std::string& where, T fallback) {
    auto it = object.find(key);
    if (it == object.end())
        return fallback;
    try {
        return it->get<T>();
    } catch (const json::exception&) {
        throw ConfigError(where + ": '" + key + "' has the wrong type");
    }
}

Fault parse_fault(const json& object, const std::string& where) {
    check_keys(object, where,
               {"kind", "path", "count", "ms", "status", "retry_after", "body", "location", "bytes",
                "interval_ms", "field"});
    Fault fault;
    fault.kind = get_or<std::string>(object, "kind", where, "");
    if (!kFaultKinds.count(fault.kind)) {
        throw ConfigError(where + ": unknown fault kind '" + fault.kind + "'");
    }
    fault.path = get_or(object, "path", where, fault.path);
    fault.count = get_or(object, "count", where, fault.count);
    fault.ms = get_or(object, "ms", where, fault.ms);
    fault.status = get_or(object, "status", where, fault.kind == "redirect" ? 302 : fault.status);
    fault.retry_after = get_or(object, "retry_after", where, fault.retry_after);
    fault.body = get_or(object, "body", where, fault.body);
    fault.location = get_or(object, "location", where, fault.location);
    fault.bytes = get_or(object, "bytes", where, fault.bytes);
    fault.interval_ms =
        std::max<std::int64_t>(1, get_or(object, "interval_ms", where, fault.interval_ms));
    fault.field = get_or(object, "field", where, fault.field);
    if (fault.body != "html" && fault.body != "json" && fault.body != "empty") {
        throw ConfigError(where + ": body must be html, json or empty");
    }
    if (fault.kind == "invalid_utf8" && !is_known_field(fault.field)) {
        throw ConfigError(where + ": unknown field '" + fault.field + "'");
    }
    return fault;
}

InventoryConfig parse_devices(const json& object) {
    const std::string where = "devices";
    check_keys(object, where,
               {"seed", "generate", "extra", "global_space_sees_all", "newest_connection_ms"});
    InventoryConfig inventory;
    inventory.seed = get_or(object, "seed", where, inventory.seed);
    inventory.global_space_sees_all =
        get_or(object, "global_space_sees_all", where, inventory.global_space_sees_all);
    inventory.newest_connection_ms =
        get_or(object, "newest_connection_ms", where, inventory.newest_connection_ms);
    for (const auto& block : object.value("generate", json::array())) {
        check_keys(block, "devices.generate[]", {"space", "count"});
        inventory.generated.push_back(
            {get_or(block, "space", "devices.generate[]", 1),
             get_or<std::uint64_t>(block, "count", "devices.generate[]", 0)});
    }
    for (const auto& extra : object.value("extra", json::array())) {
        if (!extra.is_object())
            throw ConfigError("devices.extra[] must hold objects");
        for (const auto& [key, value] : extra.items()) {
            if (key != "space" && !is_known_field(key)) {
                throw ConfigError("devices.extra[]: unknown field '" + key + "'");
            }
        }
        inventory.extra.push_back(extra);
    }
    return inventory;
}

}  // namespace

Config parse_config(const json& document) {
    check_keys(document, "configuration",
               {"vsp_version", "prefix", "uuid_case_insensitive", "forbidden_status",
                "forbidden_body", "spaces", "users", "devices", "faults"});
    const std::string where = "configuration";
    Config config;
    config.vsp_version = get_or(document, "vsp_version", where, config.vsp_version);
    config.prefix = get_or(document, "prefix", where, config.prefix);
    config.uuid_case_insensitive =
        get_or(document, "uuid_case_insensitive", where, config.uuid_case_insensitive);
    config.forbidden_status = get_or(document, "forbidden_status", where, config.forbidden_status);
    config.forbidden_body = get_or(document, "forbidden_body", where, config.forbidden_body);
    if (config.forbidden_status != 401 && config.forbidden_status != 403) {
        throw ConfigError("forbidden_status must be 401 or 403");
    }
    if (config.forbidden_body != "json" && config.forbidden_body != "html") {
        throw ConfigError("forbidden_body must be json or html");
    }

    for (const auto& space : document.value("spaces", json::array())) {
        check_keys(space, "spaces[]", {"id", "name"});
        config.spaces.push_back({get_or(space, "id", "spaces[]", 0),
                                 get_or<std::string>(space, "name", "spaces[]", "")});
    }
    if (config.spaces.empty())
        config.spaces.push_back({1, "Global"});
    auto space_exists = [&](int id) {
        return std::any_of(config.spaces.begin(), config.spaces.end(),
                           [&](const Space& s) { return s.id == id; });
    };

    for (const auto& user : document.value("users", json::array())) {
        check_keys(user, "users[]", {"user", "password", "spaces", "gdpr"});
        User parsed{get_or<std::string>(user, "user", "users[]", ""),
                    get_or<std::string>(user, "password", "users[]", ""),
                    {},
                    get_or(user, "gdpr", "users[]", false)};
        if (parsed.name.empty() || parsed.name.find(':') != std::string::npos) {
            throw ConfigError("users[]: 'user' must be non-empty and contain no ':'");
        }
        for (const auto& grant : user.value("spaces", json::array())) {
            check_keys(grant, "users[].spaces[]", {"id", "device_read"});
            SpaceGrant g{get_or(grant, "id", "users[].spaces[]", 0),
                         get_or(grant, "device_read", "users[].spaces[]", true)};
            if (!space_exists(g.space_id)) {
                throw ConfigError("users[].spaces[]: no space with id " +
                                  std::to_string(g.space_id));
            }
            parsed.spaces.push_back(g);
        }
        config.users.push_back(std::move(parsed));
    }

    if (auto it = document.find("devices"); it != document.end()) {
        config.inventory = parse_devices(*it);
    }
    for (const auto& fault : document.value("faults", json::array())) {
        config.faults.push_back(parse_fault(fault, "faults[]"));
    }
    return config;
}

Config default_config() {
    return parse_config(json::parse(R"({
        "spaces": [{"id": 1, "name": "Global"}],
        "users": [{"user": "admin@example.com", "password": "secret",
                   "spaces": [{"id": 1, "device_read": true}]}],
        "devices": {"seed": 1, "generate": [{"space": 1, "count": 100}]}
    })"));
}

Fault parse_fault_spec(const std::string& spec) {
    json object = json::object();
    std::size_t start = 0;
    bool first = true;
    while (start <= spec.size()) {
        std::size_t comma = spec.find(',', start);
        std::string item =
            spec.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (first) {
            object["kind"] = item;
            first = false;
        } else {
            auto eq = item.find('=');
            if (eq == std::string::npos)
                throw ConfigError("--fault: expected key=value: " + item);
            std::string key = item.substr(0, eq);
            std::string value = item.substr(eq + 1);
            bool number = !value.empty() && value != "-" &&
                          std::all_of(value.begin() + (value[0] == '-' ? 1 : 0), value.end(),
                                      [](char c) { return c >= '0' && c <= '9'; });
            if (number) {
                object[key] = std::stoll(value);
            } else {
                object[key] = value;
            }
        }
        if (comma == std::string::npos)
            break;
        start = comma + 1;
    }
    return parse_fault(object, "--fault " + spec);
}

}  // namespace epmm_sim
