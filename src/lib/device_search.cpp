#include "tectl/device_search.hpp"

#include "tectl/error.hpp"
#include "tectl/log.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace tectl {

std::string_view to_string(SearchMethod method) {
    switch (method) {
        case SearchMethod::live:
            return "live";
        case SearchMethod::sync:
            return "sync";
        case SearchMethod::cached:
            return "cached";
    }
    return "live";
}

bool SearchReport::all_found() const {
    return std::all_of(results.begin(), results.end(), [](const auto& r) { return r.found; });
}

std::string uuid_query(const std::vector<std::string>& uuids) {
    std::string query;
    for (const auto& uuid : uuids) {
        if (!query.empty())
            query += " OR ";
        query += "\"common.uuid\"=\"" + uuid + "\"";
    }
    return query;
}

namespace {

constexpr std::size_t kQueryLimit = 255;
constexpr std::int64_t kPageLimit = 200;

std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
    return (a + b - 1) / b;
}

std::string space_list(const std::vector<Space>& spaces) {
    std::string out;
    for (const auto& s : spaces) {
        if (!out.empty())
            out += ", ";
        out += space_label(s);
    }
    return out.empty() ? "none" : out;
}

// Why a Device UUID may be missing, most likely first.
std::vector<std::string> uuid_causes(const SearchReport& report) {
    std::vector<std::string> causes;
    if (report.method == SearchMethod::cached) {
        causes.push_back(fmt::format(
            "the index was last synced at {}; a device enrolled since then is not in it (run "
            "`tectl sync`, or search without --cached)",
            report.synced_at));
    }
    causes.push_back(fmt::format(
        "the device is in none of the spaces searched ({}); it may be in a device space the API "
        "user is not assigned to: assign the API user the device role in that space",
        space_list(report.spaces_searched)));
    for (const auto& u : report.unreadable) {
        causes.push_back(fmt::format("{} could not be read: {}", space_label(u.space), u.reason));
    }
    causes.push_back("the device was retired or deleted in EPMM");
    causes.push_back(
        "the device is not enrolled yet, or Duo Mobile was not installed by EPMM, so EPMM never "
        "gave Duo Mobile this Device UUID");
    return causes;
}

// What about a found device may still keep Duo from trusting it.
std::vector<std::string> device_warnings(const IndexedDevice& d) {
    std::vector<std::string> warnings;
    if (!d.status.empty() && d.status != "ACTIVE") {
        warnings.push_back(fmt::format(
            "EPMM lists the device as {}, not ACTIVE: a device that is not active is not "
            "trusted",
            d.status));
    }
    if (d.android_enterprise == false) {
        warnings.push_back(
            "the device is not Android Enterprise capable: Duo Mobile receives its identifier "
            "only when installed through Android Enterprise");
    }
    if (user_id_masked(d.user_id)) {
        warnings.push_back(
            "the user id is masked by the API user's GDPR profile; the device was matched on "
            "its Device UUID alone");
    }
    return warnings;
}

// Fills found devices and the not-found explanations into the report's results.
void finish(SearchReport& report, const std::map<std::string, IndexedDevice>& found) {
    for (auto& r : report.results) {
        if (r.identifier.kind != IdentifierKind::device_uuid) {
            r.causes = {r.identifier.message};
            continue;
        }
        if (auto it = found.find(r.identifier.value); it != found.end()) {
            r.found = true;
            r.device = it->second;
            r.warnings = device_warnings(it->second);
        } else {
            r.causes = uuid_causes(report);
        }
    }
}

SearchReport classify_all(const std::vector<std::string>& inputs, std::vector<std::string>& uuids) {
    SearchReport report;
    std::set<std::string> seen;
    for (const auto& input : inputs) {
        SearchResult r;
        r.identifier = classify_identifier(input);
        if (r.identifier.kind == IdentifierKind::device_uuid &&
            seen.insert(r.identifier.value).second) {
            uuids.push_back(r.identifier.value);
        }
        report.results.push_back(std::move(r));
    }
    return report;
}

std::map<std::string, IndexedDevice> answer_from_index(const DeviceIndex& index,
                                                       const std::vector<std::string>& uuids) {
    std::map<std::string, IndexedDevice> found;
    auto rows = index.find_many(uuids);
    for (std::size_t i = 0; i < uuids.size(); ++i) {
        if (rows[i])
            found.emplace(uuids[i], std::move(*rows[i]));
    }
    return found;
}

// Whether reading every space page by page costs fewer requests than asking for the UUIDs a few
// at a time in every space. Inventory sizes come from the last sync when it knows them, else
// from EPMM's count call (one request per space, worth it only for a large batch).
bool sync_is_cheaper(DeviceSource& source, const std::vector<Space>& spaces, std::size_t uuids,
                     const std::filesystem::path& index_path) {
    std::int64_t queries_per_space = ceil_div(static_cast<std::int64_t>(uuids), kUuidsPerQuery);
    std::int64_t live_cost = queries_per_space * static_cast<std::int64_t>(spaces.size());
    // For a couple of queries per space no count can pay for itself.
    if (index_path.empty() || queries_per_space <= 2)
        return false;

    std::map<std::int64_t, std::int64_t> known;
    try {
        if (auto index = DeviceIndex::open(index_path)) {
            for (const auto& s : index->meta().spaces)
                known[s.id] = s.reported;
        }
    } catch (const Error&) {
    }
    std::int64_t sync_cost = 0;
    for (const auto& space : spaces) {
        std::int64_t devices = 0;
        if (auto it = known.find(space.id); it != known.end()) {
            devices = it->second;
        } else {
            try {
                devices = source.count(space.id, "");
            } catch (const Error& e) {
                if (e.kind() != ErrorKind::auth)
                    throw;
                return false;  // a space that cannot be read cannot be synced either
            }
        }
        sync_cost += std::max<std::int64_t>(1, ceil_div(devices, kPageLimit));
        if (sync_cost >= live_cost)
            return false;
    }
    return sync_cost < live_cost;
}

}  // namespace

SearchReport search_live(DeviceSource& source, const std::vector<std::string>& inputs,
                         const SearchOptions& options) {
    std::int64_t requests_before = source.requests_sent();
    std::vector<std::string> uuids;
    SearchReport report = classify_all(inputs, uuids);
    report.method = SearchMethod::live;
    if (uuids.empty()) {
        finish(report, {});
        return report;
    }

    auto spaces = resolve_spaces(source, options.spaces, options.index_path);

    if (sync_is_cheaper(source, spaces, uuids.size(), options.index_path)) {
        SyncOptions sync;
        sync.index_path = options.index_path;
        sync.resolved = spaces;
        sync.progress = options.progress;
        sync.cancel = options.cancel;
        sync.now = options.now;
        report.sync = sync_devices(source, sync);
        report.method = SearchMethod::sync;
        report.synced_at = report.sync->synced_at;
        for (const auto& s : report.sync->spaces)
            report.spaces_searched.push_back({s.id, s.name});
        auto index = DeviceIndex::open(options.index_path);
        if (!index) {
            throw Error(ErrorKind::failure, "the device index vanished right after the sync");
        }
        auto found = answer_from_index(*index, uuids);
        finish(report, found);
        report.requests = source.requests_sent() - requests_before;
        return report;
    }

    std::map<std::string, IndexedDevice> found;
    std::vector<std::string> pending = uuids;
    for (const auto& space : spaces) {
        if (pending.empty())
            break;
        report.spaces_searched.push_back(space);
        try {
            for (std::size_t at = 0; at < pending.size(); at += kUuidsPerQuery) {
                if (options.cancel && options.cancel->load()) {
                    throw Error(ErrorKind::interrupted, "search interrupted");
                }
                std::vector<std::string> batch(
                    pending.begin() + static_cast<std::ptrdiff_t>(at),
                    pending.begin() +
                        static_cast<std::ptrdiff_t>(std::min(at + kUuidsPerQuery, pending.size())));
                DevicePageRequest request;
                request.space = space.id;
                request.query = uuid_query(batch);
                request.limit = static_cast<int>(kPageLimit);
                if (request.query.size() > kQueryLimit) {
                    throw Error(ErrorKind::failure, "a device query grew past 255 characters");
                }
                auto page = source.devices(request);
                for (const auto& result : page.results) {
                    auto device = device_from_epmm(result, space.id, space.name);
                    if (!device)
                        continue;
                    if (std::find(batch.begin(), batch.end(), device->uuid) == batch.end()) {
                        log::debug(fmt::format("EPMM answered a query with device {} not asked for",
                                               device->uuid));
                        continue;
                    }
                    found.emplace(device->uuid, std::move(*device));
                }
            }
        } catch (const Error& e) {
            if (e.kind() != ErrorKind::auth)
                throw;
            log::warning(
                fmt::format("cannot read devices in {}: {}", space_label(space), e.what()));
            report.spaces_searched.pop_back();
            report.unreadable.push_back({space, e.what()});
        }
        std::erase_if(pending, [&](const std::string& u) { return found.count(u) != 0; });
    }

    if (report.spaces_searched.empty() && !report.unreadable.empty()) {
        throw Error(ErrorKind::auth,
                    fmt::format("EPMM refused to show devices in every space: {}",
                                report.unreadable.front().reason),
                    "assign the API user the Device Management role \"View dashboard, device "
                    "page, device details\" in the device spaces that hold devices");
    }
    finish(report, found);
    report.requests = source.requests_sent() - requests_before;
    return report;
}

SearchReport search_cached(const std::filesystem::path& index_path,
                           const std::vector<std::string>& inputs) {
    std::vector<std::string> uuids;
    SearchReport report = classify_all(inputs, uuids);
    report.method = SearchMethod::cached;

    auto index = DeviceIndex::open(index_path);
    if (!index) {
        throw Error(ErrorKind::conflict, "this integration's devices were never synced",
                    "run `tectl sync` first, or search without --cached");
    }
    auto meta = index->meta();
    report.synced_at = meta.last_sync;
    for (const auto& s : meta.spaces)
        report.spaces_searched.push_back({s.id, s.name});
    finish(report, answer_from_index(*index, uuids));
    return report;
}

}  // namespace tectl
