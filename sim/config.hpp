// The simulator's configuration: users, device spaces, the inventory and the faults to inject.
// The JSON format is documented in sim/README.md.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "inventory.hpp"

namespace epmm_sim {

struct ConfigError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Space {
    int id = 1;
    std::string name;
};

struct SpaceGrant {
    int space_id = 1;
    bool device_read = true;  // the role "View dashboard, device page, device details"
};

struct User {
    std::string name;  // what goes before the first ':' in Basic credentials
    std::string password;
    std::vector<SpaceGrant> spaces;
    bool gdpr = false;  // personal fields come back as "*****"
};

struct Fault {
    std::string kind;               // see kFaultKinds in config.cpp
    std::string path;               // an API path such as /api/v2/devices; empty: every path
    std::int64_t count = -1;        // how many matching requests it affects; -1: all of them
    std::int64_t ms = 0;            // delay
    int status = 503;               // status, redirect
    std::int64_t retry_after = -1;  // status: Retry-After seconds; -1: no header
    std::string body = "html";      // status: html, json or empty
    std::string location = "https://epmm-elsewhere.example";  // redirect target host
    std::uint64_t bytes = 100ULL << 20;                       // huge
    std::int64_t interval_ms = 200;      // endless: time between trickled bytes
    std::string field = "common.model";  // invalid_utf8: the field that carries the bad bytes
};

struct Config {
    std::string vsp_version = "11.12.0.0";
    std::string prefix;  // "" or e.g. "/rest" for /rest/api/v2
    bool uuid_case_insensitive = false;
    int forbidden_status = 403;
    std::string forbidden_body = "json";  // or html
    std::vector<Space> spaces;
    std::vector<User> users;
    InventoryConfig inventory;
    std::vector<Fault> faults;
};

// Reads a configuration; missing keys take the defaults above, unknown keys are errors.
Config parse_config(const nlohmann::json& document);

// The configuration used without --config: space 1 "Global", user admin@example.com with
// password "secret" and the device role there, 100 generated devices.
Config default_config();

// Parses a fault from a command-line spec "KIND[,key=value...]", e.g. "status,status=429,count=2".
Fault parse_fault_spec(const std::string& spec);

}  // namespace epmm_sim
