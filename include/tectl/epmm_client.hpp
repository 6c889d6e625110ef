// Client of the Ivanti EPMM (MobileIron Core) REST API v2: the calls tectl needs, over an
// HttpTransport (libcurl in production, a fake in unit tests). Knows nothing of the state file.
//
// Errors are thrown as tectl::Error: auth (401/403), network (DNS, connect, TLS, timeout, 5xx
// after retries), usage (400: a parameter EPMM refused), failure (a response that is not the
// JSON EPMM sends).
#pragma once

#include "tectl/http.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>
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

class Client {
  public:
    Client(std::unique_ptr<http::Transport> transport, Endpoint endpoint);
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

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace tectl::epmm
