// Where sync and search read devices from: EPMM's device calls, reduced to what they need.
// The EPMM client satisfies it through epmm_device_source(); unit tests use a scripted fake.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tectl::epmm {
class Client;
}

namespace tectl {

struct Space {
    std::int64_t id = 0;
    std::string name;

    bool operator==(const Space&) const = default;
};

struct DevicePageRequest {
    std::int64_t space = 1;   // adminDeviceSpaceId
    std::string query;        // EPMM query syntax, at most 255 characters; empty: all devices
    int limit = 200;          // at most 200
    std::int64_t offset = 0;  // index of the first record
};

struct DevicePageResult {
    std::vector<nlohmann::json> results;  // flat objects keyed by device_fields()
    std::int64_t total_count = 0;
    bool has_more = false;
};

class DeviceSource {
  public:
    virtual ~DeviceSource() = default;

    // The API user's own device spaces.
    virtual std::vector<Space> my_spaces() = 0;

    // One page of devices with device_fields(), sorted on common.id (a stable key for paging).
    virtual DevicePageResult devices(const DevicePageRequest& request) = 0;

    // The number of devices in `space` matching `query` (empty: all).
    virtual std::int64_t count(std::int64_t space, const std::string& query) = 0;

    // Requests sent so far, retries included.
    virtual std::int64_t requests_sent() const = 0;
};

// The EPMM fields tectl asks for and keeps in the device index.
const std::vector<std::string>& device_fields();

// The EPMM client as a device source; `client` must outlive the source.
std::unique_ptr<DeviceSource> epmm_device_source(epmm::Client& client);
// The same, owning its client (a connection of its own, e.g. for reading pages ahead).
std::unique_ptr<DeviceSource> epmm_device_source(std::unique_ptr<epmm::Client> client);

}  // namespace tectl
