// Starts epmm-sim, the EPMM test server, for one test and stops it afterwards.
//
//   tectl::test::Simulator sim(SimConfig().devices(1, 500).fault({{"kind", "hang"}}));
//   auto reply = sim.get("/api/v2/ping");        // default user, CA-verified HTTPS
//   run tectl against sim.base_url() with --ca-file sim.ca_file()
//
// The test PKI (sim/make-test-ca.sh) is made once per build directory and shared.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace tectl::test {

inline constexpr const char* kSimUser = "admin@example.com";
inline constexpr const char* kSimPassword = "secret";

// The directory holding ca.pem, chain.pem, leaf-only.pem, key.pem, wrong-name.pem, expired.pem,
// other-ca.pem and their keys, created on first use.
std::filesystem::path test_pki_dir();

// Builds the simulator's JSON configuration (documented in sim/README.md). A fresh SimConfig has
// space 1 "Global", user kSimUser/kSimPassword with the device role there, and 20 generated
// devices in space 1 from seed 1. Calling user() or space() replaces those defaults.
class SimConfig {
  public:
    SimConfig();

    // A space grant: the space id and whether the user has the device-read role there.
    struct Grant {
        int space_id;
        bool device_read = true;
    };

    SimConfig& space(int id, const std::string& name);
    SimConfig& user(const std::string& name, const std::string& password,
                    const std::vector<Grant>& grants, bool gdpr = false);
    SimConfig& seed(std::uint64_t seed);
    // `count` generated devices in `space_id`; the first call replaces the default 20.
    SimConfig& devices(int space_id, std::uint64_t count);
    // Whether space 1 lists the devices of every space (default: each space its own).
    SimConfig& global_space_sees_all(bool on = true);
    // A known device: {"space": 2, "common.uuid": "...", ...}; unset fields are generated.
    SimConfig& device(const nlohmann::json& device);
    // A fault object, e.g. {{"kind", "status"}, {"status", 429}, {"count", 2}}.
    SimConfig& fault(const nlohmann::json& fault);
    // Any other top-level key, e.g. set("uuid_case_insensitive", true).
    SimConfig& set(const std::string& key, const nlohmann::json& value);

    const nlohmann::json& json() const { return config_; }

  private:
    nlohmann::json config_;
    bool default_spaces_ = true;
    bool default_users_ = true;
    bool default_devices_ = true;
};

struct SimOptions {
    // Which server certificate to present, by file name in test_pki_dir(): chain.pem (leaf and
    // intermediate), leaf-only.pem, wrong-name.pem or expired.pem.
    std::string certificate = "chain.pem";
    std::string prefix;  // e.g. "/rest"
    bool ipv6 = false;
    int lifetime_seconds = 120;
    std::vector<std::string> extra_args;
    std::chrono::milliseconds start_timeout{10000};
};

struct SimReply {
    int status = 0;  // 0: no HTTP answer (see error)
    std::string body;
    std::multimap<std::string, std::string> headers;
    std::string error;  // transport error, when status is 0

    bool has_header(const std::string& name) const { return headers.count(name) > 0; }
    std::string header(const std::string& name) const;
    nlohmann::json json() const { return nlohmann::json::parse(body); }
};

struct SimCredentials {
    std::string user = kSimUser;
    std::string password = kSimPassword;
};

class Simulator {
  public:
    explicit Simulator(const SimConfig& config = SimConfig(), const SimOptions& options = {});
    ~Simulator();
    Simulator(const Simulator&) = delete;
    Simulator& operator=(const Simulator&) = delete;

    // Sends SIGTERM and waits (bounded); the exit status, or 128 + signal when it had to be
    // killed. The destructor does the same when this was not called.
    int stop();

    int port() const { return port_; }
    std::string host() const { return ipv6_ ? "::1" : "127.0.0.1"; }
    // https://127.0.0.1:PORT plus the prefix, without a trailing slash.
    std::string base_url() const;
    std::filesystem::path ca_file() const { return test_pki_dir() / "ca.pem"; }
    std::filesystem::path log_file() const { return dir_ / "requests.jsonl"; }
    std::string stderr_text() const;

    // The request log so far, one object per request (method, path, query, status,
    // authorization, fault, time_ms).
    std::vector<nlohmann::json> log_lines() const;
    std::size_t request_count() const { return log_lines().size(); }

    // A GET over HTTPS verified with ca_file(); `target` is the path under the prefix plus any
    // query string, e.g. "/api/v2/devices?adminDeviceSpaceId=1&...". nullopt credentials: none.
    SimReply get(const std::string& target,
                 const std::optional<SimCredentials>& credentials = SimCredentials(),
                 std::chrono::milliseconds timeout = std::chrono::milliseconds(10000)) const;

    // Like get(), for /api/v2/devices with the parameters percent-encoded.
    SimReply devices(const std::map<std::string, std::string>& params,
                     const std::optional<SimCredentials>& credentials = SimCredentials()) const;

  private:
    TempDir dir_;
    std::string prefix_;
    bool ipv6_ = false;
    pid_t pid_ = -1;
    int stdin_fd_ = -1;
    int port_ = 0;
};

// Percent-encodes `text` for a URL query.
std::string url_encode(const std::string& text);

}  // namespace tectl::test
