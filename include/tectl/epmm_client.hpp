// Client of the Ivanti EPMM (MobileIron Core) REST API v2: the calls tectl needs, over an
// http::Transport (libcurl in production, a fake in unit tests). Knows nothing of the state file.
//
// Errors are thrown as tectl::Error: auth (401/403), network (DNS, connect, TLS, timeout, 5xx
// after retries), usage (400: a parameter EPMM refused), failure (a response that is not the
// JSON EPMM sends).
#pragma once

#include "tectl/http.hpp"
#include "tectl/retry.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tectl::epmm {

// Where and as whom to reach EPMM.
struct Endpoint {
    std::string host;
    int port = 443;
    std::string user;
    std::string password;  // never logged: registered with the log sink's redaction
    std::string api_prefix = "/api/v2";
};

struct DeviceSpace {
    std::int64_t id = 0;
    std::string name;
};

struct DeviceQuery {
    std::int64_t space = 1;                // adminDeviceSpaceId
    std::string query;                     // EPMM query syntax, at most 255 characters
    std::vector<std::string> fields;       // e.g. "common.uuid", "common.platform"
    int limit = 200;                       // at most 200
    std::int64_t offset = 0;               // index of the first record
    std::string sort_field = "common.id";  // a stable key for paging
};

struct DevicePage {
    std::vector<nlohmann::json> results;  // flat objects keyed by the requested field names
    std::int64_t total_count = 0;
    bool has_more = false;
};

// How the client retries; the random source and the sleep are seams for tests.
struct ClientOptions {
    http::RetryPolicy retry;
    std::function<double()> random;                        // [0, 1); default: a PRNG
    std::function<void(std::chrono::milliseconds)> sleep;  // default: a sleep that `cancel` ends
    // Set (e.g. on SIGINT) to stop: the wait before a retry ends at once with Error(interrupted).
    const std::atomic<bool>* cancel = nullptr;
};

class Client {
  public:
    // Throws Error(usage) for a user name containing ':' (Basic credentials cannot carry it).
    Client(std::unique_ptr<http::Transport> transport, Endpoint endpoint);
    Client(std::unique_ptr<http::Transport> transport, Endpoint endpoint, ClientOptions options);
    ~Client();

    // GET /api/v2/ping; returns EPMM's version (vspVersion).
    std::string ping();

    // GET /api/v2/device_spaces/mine.
    std::vector<DeviceSpace> my_spaces();

    // GET /api/v2/devices.
    DevicePage devices(const DeviceQuery& query);

    // GET /api/v2/devices/count.
    std::int64_t count(std::int64_t space, const std::string& query);

    // Requests sent so far (retries included).
    std::int64_t requests_sent() const;

    const Endpoint& endpoint() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The "Basic" token for `user` and `password` (UTF-8 bytes as given, base64 of "user:password").
std::string basic_token(std::string_view user, std::string_view password);

// What an EPMM error body says, in one short line: `messages[].localizedMessage`, else
// `localizedMessage`, else an HTML page's title, else an excerpt of the text. Never throws; ""
// for an empty body.
std::string describe_error_body(std::string_view body, std::string_view content_type = {});

// `text` with every ill-formed UTF-8 sequence replaced by U+FFFD, so it can be parsed and dumped.
std::string sanitize_utf8(std::string_view text);

}  // namespace tectl::epmm
