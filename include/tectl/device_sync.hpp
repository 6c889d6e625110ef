// `tectl sync`: reads every device of every space of an integration from EPMM into the local
// device index, page by page, so memory stays bounded whatever the inventory size.
#pragma once

#include "tectl/device_index.hpp"
#include "tectl/device_source.hpp"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tectl {

struct SyncProgress {
    Space space;                   // the space being read
    std::size_t space_number = 0;  // 1-based
    std::size_t space_total = 0;
    std::int64_t devices = 0;   // devices read so far, all spaces
    std::int64_t expected = 0;  // EPMM's totalCount summed over the spaces read or begun
    std::int64_t requests = 0;
};

struct SyncOptions {
    std::filesystem::path index_path;  // the integration's index file
    std::vector<std::int64_t> spaces;  // the integration's spaces; empty: the user's own spaces
    std::vector<Space> resolved;       // when not empty: these spaces, `spaces` unused
    int limit = 200;                   // devices per page, at most 200
    std::function<void(const SyncProgress&)> progress;  // after every page (may be empty)
    const std::atomic<bool>* cancel = nullptr;          // set (e.g. on SIGINT) to stop
    std::function<std::string()> now;  // ISO-8601 UTC clock; empty: the system clock
    // Reading ahead: `connect` makes another source with a connection of its own, and the sync
    // uses connections - 1 of them to fetch the next pages while it writes the current one.
    // Without `connect`, or with connections 1, pages are read one after another.
    std::function<std::unique_ptr<DeviceSource>()> connect;
    int connections = 1;
};

struct SyncSummary {
    std::int64_t devices = 0;     // distinct Device UUIDs now in the index
    std::int64_t duplicates = 0;  // results skipped because their UUID was already read
    std::vector<IndexedSpace> spaces;
    std::int64_t requests = 0;
    double seconds = 0;
    std::string synced_at;  // ISO-8601 UTC, as recorded in the index
};

// Pages through every space (limit, offset as record index, sorted on common.id), stopping on
// hasMore false or offset >= totalCount, and commits the new index in one transaction.
// Throws Error(failure) when a page repeats the previous one (a server that ignores offset) or
// paging does not end; Error(interrupted) when `cancel` is set; the EPMM client's errors as they
// come. In every one of those cases the previous index is left as it was.
SyncSummary sync_devices(DeviceSource& source, const SyncOptions& options);

// The spaces a sync or search reads: `configured` (named from the index at `index_path` when it
// knows them, sparing a request), or when empty all of the API user's own spaces.
std::vector<Space> resolve_spaces(DeviceSource& source, const std::vector<std::int64_t>& configured,
                                  const std::filesystem::path& index_path);

// "Sales (space 7)", or "space 7" when the name is unknown.
std::string space_label(const Space& space);

}  // namespace tectl
