// A scripted EPMM device source for unit tests of sync and search: spaces of generated devices,
// spaces the API user may not read, and the faults of real servers (offset ignored, a failure
// after N requests).
#pragma once

#include "tectl/device_source.hpp"
#include "tectl/error.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace tectl::test {

inline std::string fake_uuid(int n) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08x-aaaa-4bbb-8ccc-%012x", n, n);
    return buf;
}

inline nlohmann::json fake_device(int n, const std::string& user = {}) {
    return {{"common.uuid", fake_uuid(n)},
            {"common.id", n},
            {"common.status", "ACTIVE"},
            {"common.platform", n % 2 ? "Android" : "iOS"},
            {"common.model", n % 2 ? "Pixel 8" : "iPhone 15"},
            {"common.last_connected_at", "2026-01-01T00:00:00.000Z"},
            {"user.user_id", user.empty() ? "user" + std::to_string(n) : user},
            {"android.afw_capable", n % 2 == 1}};
}

class FakeDeviceSource : public DeviceSource {
  public:
    std::vector<Space> spaces;                                      // what my_spaces() answers
    std::map<std::int64_t, std::vector<nlohmann::json>> inventory;  // per space, sorted by id
    std::set<std::int64_t> forbidden;                               // spaces answering 403
    bool ignore_offset = false;
    int max_page = 200;   // the most results a page holds, whatever the limit asked
    int fail_after = -1;  // requests answered before every further one fails (network)
    std::function<void(std::int64_t)> on_request;  // called with the request number
    std::vector<DevicePageRequest> seen;           // every devices() request
    std::int64_t requests = 0;

    std::vector<Space> my_spaces() override {
        begin();
        return spaces;
    }

    DevicePageResult devices(const DevicePageRequest& r) override {
        begin();
        seen.push_back(r);
        if (forbidden.count(r.space)) {
            throw Error(ErrorKind::auth,
                        "EPMM answered 403 Forbidden: the API user lacks the "
                        "role or the space");
        }
        if (r.limit < 1 || r.limit > 200 || r.query.size() > 255) {
            throw Error(ErrorKind::usage, "EPMM answered 400 Bad Request");
        }
        auto matching = match(r.space, r.query);
        DevicePageResult page;
        page.total_count = static_cast<std::int64_t>(matching.size());
        std::size_t from = ignore_offset ? 0 : static_cast<std::size_t>(r.offset);
        const std::size_t size = static_cast<std::size_t>(std::min(r.limit, max_page));
        for (std::size_t i = from; i < matching.size() && i < from + size; ++i) {
            page.results.push_back(matching[i]);
        }
        page.has_more = from + page.results.size() < matching.size();
        return page;
    }

    std::int64_t count(std::int64_t space, const std::string& query) override {
        begin();
        if (forbidden.count(space))
            throw Error(ErrorKind::auth, "EPMM answered 403 Forbidden");
        return static_cast<std::int64_t>(match(space, query).size());
    }

    std::int64_t requests_sent() const override { return requests; }

    // Number of devices() requests that carried a query (search) rather than paging all.
    std::size_t query_requests() const {
        std::size_t n = 0;
        for (const auto& r : seen)
            n += !r.query.empty();
        return n;
    }

  private:
    void begin() {
        ++requests;
        if (on_request)
            on_request(requests);
        if (fail_after >= 0 && requests > fail_after) {
            throw Error(ErrorKind::network, "connection reset by EPMM");
        }
    }

    std::vector<nlohmann::json> match(std::int64_t space, const std::string& query) const {
        auto it = inventory.find(space);
        if (it == inventory.end())
            return {};
        if (query.empty())
            return it->second;
        // Understands exactly what search sends: "common.uuid"="..." joined with OR.
        std::set<std::string> wanted;
        const std::string key = "\"common.uuid\"=\"";
        for (auto at = query.find(key); at != std::string::npos; at = query.find(key, at + 1)) {
            wanted.insert(query.substr(at + key.size(), 36));
        }
        std::vector<nlohmann::json> out;
        for (const auto& d : it->second) {
            if (wanted.count(d["common.uuid"].get<std::string>()))
                out.push_back(d);
        }
        return out;
    }
};

// A source with `n` devices (ids 1..n) in space 1 "Global".
inline FakeDeviceSource fake_source(int n) {
    FakeDeviceSource source;
    source.spaces = {{1, "Global"}};
    for (int i = 1; i <= n; ++i)
        source.inventory[1].push_back(fake_device(i));
    return source;
}

}  // namespace tectl::test
