// The configuration test behind `tectl test` ("Test Configuration"): staged checks that say
// exactly which step of reaching EPMM failed.
//
// Stages, in order: "dns" (the host name resolves), "connect" (TCP connects), "tls" (handshake
// and a trusted chain for that name), "credentials" (GET /ping accepts the user and password;
// a 401 is never retried), "spaces" (the user's device spaces, or the configured ones among
// them), "device-read" (a one-device read in every space proves the device role). Through a
// proxy, "dns" and "connect" check the proxy, which is what this machine reaches directly.
//
// The test stops at the first failing stage: `checks` lists the stages that ran, so when `ok` is
// false the last check is the one that failed and the later ones are absent (not "failed").
// Reads no state: the caller records the outcome.
#pragma once

#include "tectl/epmm_client.hpp"
#include "tectl/error.hpp"
#include "tectl/integration.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace tectl {

struct ConfigTestInput {
    EpmmSettings settings;
    std::string password;
    std::chrono::milliseconds timeout{30000};  // per request; connects within min(10 s, this)
    std::string api_prefix = "/api/v2";
};

struct ConfigTestRun {
    ConfigTest result;                 // what is printed and recorded on the integration
    std::optional<ErrorKind> failure;  // why the failing stage failed (auth, network, ...)
    std::string hint;                  // what to do about it
};

// Runs every stage against the real network.
ConfigTestRun run_config_test(const ConfigTestInput& input);

// The stages "credentials", "spaces" and "device-read" alone, over any client (a fake transport
// in unit tests). `spaces` empty means the user's own. Appends to `run`; returns false when a
// stage failed.
bool run_api_checks(epmm::Client& client, const std::vector<std::int64_t>& spaces,
                    ConfigTestRun& run);

// 0 when the test passed, else the exit code of the failure's kind: 4 for credentials, role or
// space, 5 for DNS, connect, TLS, timeout or server errors.
int exit_code(const ConfigTestRun& run);

// The current time as ISO-8601 UTC ("2026-01-01T00:00:00Z").
std::string utc_now();

}  // namespace tectl
