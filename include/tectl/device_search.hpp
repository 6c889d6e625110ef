// `tectl search`: is this Device UUID known to EPMM, where, and if not, why not. Live against
// EPMM (several UUIDs per query, or a sync first when that costs fewer requests), or from the
// local device index alone.
#pragma once

#include "tectl/device_index.hpp"
#include "tectl/device_source.hpp"
#include "tectl/device_sync.hpp"
#include "tectl/identifier.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tectl {

struct SearchResult {
    Identifier identifier;
    bool found = false;
    std::optional<IndexedDevice> device;  // when found
    std::vector<std::string> causes;      // when not found: the likely reasons, most likely first
    std::vector<std::string> warnings;    // when found: what may still keep it from being trusted
};

struct UnreadableSpace {
    Space space;
    std::string reason;  // EPMM's refusal, e.g. the role or the space is missing
};

enum class SearchMethod { live, sync, cached };
std::string_view to_string(SearchMethod method);  // "live", "sync", "cached"

struct SearchReport {
    std::vector<SearchResult> results;  // one per input, in input order
    SearchMethod method = SearchMethod::live;
    std::vector<Space> spaces_searched;
    std::vector<UnreadableSpace> unreadable;  // spaces EPMM refused (live only)
    std::int64_t requests = 0;
    std::string synced_at;            // sync and cached: when the index was written
    std::optional<SyncSummary> sync;  // when a sync ran to answer

    bool all_found() const;
};

struct SearchOptions {
    std::vector<std::int64_t> spaces;  // the integration's spaces; empty: the user's own spaces
    // The integration's index: read for space names and inventory sizes, and rewritten when a
    // sync is cheaper than live queries. Empty: always live queries.
    std::filesystem::path index_path;
    std::function<void(const SyncProgress&)> progress;  // for a sync run to answer
    const std::atomic<bool>* cancel = nullptr;
    std::function<std::string()> now;
};

// The most UUIDs joined with OR in one query within EPMM's 255-character limit.
constexpr int kUuidsPerQuery = 4;

// Builds `"common.uuid"="a" OR "common.uuid"="b" ...` (at most kUuidsPerQuery UUIDs).
std::string uuid_query(const std::vector<std::string>& uuids);

// Classifies every input and looks the Device UUIDs up in EPMM. EPMM errors are thrown, except a
// space that refuses the API user (403), which is reported in `unreadable` and the others searched.
SearchReport search_live(DeviceSource& source, const std::vector<std::string>& inputs,
                         const SearchOptions& options);

// Classifies every input and looks the Device UUIDs up in the index only. Throws Error(conflict)
// when the integration was never synced.
SearchReport search_cached(const std::filesystem::path& index_path,
                           const std::vector<std::string>& inputs);

}  // namespace tectl
