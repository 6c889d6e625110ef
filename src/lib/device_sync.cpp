#include "tectl/device_sync.hpp"

#include "tectl/error.hpp"
#include "tectl/log.hpp"
#include "tectl/page_prefetch.hpp"

#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <iterator>
#include <map>
#include <optional>

namespace tectl {

const std::vector<std::string>& device_fields() {
    static const std::vector<std::string> fields = {"common.uuid",   "common.id",
                                                    "common.status", "common.platform",
                                                    "common.model",  "common.last_connected_at",
                                                    "user.user_id",  "android.afw_capable"};
    return fields;
}

std::string space_label(const Space& space) {
    return space.name.empty() ? fmt::format("space {}", space.id)
                              : fmt::format("{} (space {})", space.name, space.id);
}

std::vector<Space> resolve_spaces(DeviceSource& source, const std::vector<std::int64_t>& ids,
                                  const std::filesystem::path& index_path) {
    if (ids.empty()) {
        auto spaces = source.my_spaces();
        if (spaces.empty()) {
            throw Error(ErrorKind::auth, "the EPMM API user is assigned to no device space",
                        "assign the API user the device role in every space that holds devices");
        }
        return spaces;
    }
    std::map<std::int64_t, std::string> known;
    try {
        if (auto index = DeviceIndex::open(index_path)) {
            for (const auto& s : index->meta().spaces)
                known[s.id] = s.name;
        }
    } catch (const Error&) {
        // An unreadable previous index only costs the names; the sync rewrites it.
    }
    std::vector<Space> spaces;
    for (auto id : ids)
        spaces.push_back({id, known.count(id) ? known[id] : std::string()});
    return spaces;
}

namespace {

constexpr int kMaxConnections = 8;

std::string system_now() {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

void check_cancel(const std::atomic<bool>* cancel) {
    if (cancel && cancel->load()) {
        throw Error(ErrorKind::interrupted,
                    "sync interrupted; the previous device index is unchanged",
                    "run `tectl sync` again to complete it");
    }
}

// What tells one page from another: the Device UUIDs in order, or the whole result where a
// UUID is missing (the same devices in the same order is the same page).
std::vector<std::string> page_identity(const DevicePageResult& page) {
    std::vector<std::string> ids;
    ids.reserve(page.results.size());
    for (const auto& r : page.results) {
        auto uuid = r.is_object() ? r.find("common.uuid") : r.end();
        if (uuid != r.end() && uuid->is_string() && !uuid->get_ref<const std::string&>().empty())
            ids.push_back(uuid->get<std::string>());
        else
            ids.push_back(r.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    return ids;
}

}  // namespace

SyncSummary sync_devices(DeviceSource& source, const SyncOptions& options) {
    if (options.limit < 1 || options.limit > 200) {
        throw Error(ErrorKind::usage, fmt::format("page size {} is out of range", options.limit),
                    "use a page size from 1 to 200");
    }
    if (options.connections < 1 || options.connections > kMaxConnections) {
        throw Error(ErrorKind::usage,
                    fmt::format("{} connections is out of range", options.connections),
                    fmt::format("use from 1 to {} connections", kMaxConnections));
    }
    auto started = std::chrono::steady_clock::now();
    std::int64_t requests_before = source.requests_sent();

    // Opened first: a sync already running is reported before any request is sent.
    DeviceIndexWriter writer(options.index_path);
    auto spaces = options.resolved.empty()
                      ? resolve_spaces(source, options.spaces, options.index_path)
                      : options.resolved;

    std::unique_ptr<PagePrefetcher> ahead;
    if (options.connect && options.connections > 1) {
        std::vector<std::unique_ptr<DeviceSource>> extra;
        for (int i = 1; i < options.connections; ++i)
            extra.push_back(options.connect());
        ahead = std::make_unique<PagePrefetcher>(std::move(extra), options.cancel);
    }
    // Two pages ahead per extra connection keeps each busy while the index is written.
    const int window = 2 * (options.connections - 1);
    auto requests = [&] {
        return source.requests_sent() - requests_before + (ahead ? ahead->requests_sent() : 0);
    };

    SyncSummary summary;
    SyncProgress progress;
    progress.space_total = spaces.size();
    std::int64_t read = 0;

    for (std::size_t i = 0; i < spaces.size(); ++i) {
        const Space& space = spaces[i];
        IndexedSpace indexed{space.id, space.name, 0, 0};
        progress.space = space;
        progress.space_number = i + 1;
        std::int64_t expected_before = progress.expected;

        DevicePageRequest request;
        request.space = space.id;
        request.limit = options.limit;
        std::vector<std::string> previous;
        std::int64_t previous_offset = 0;
        std::int64_t largest_total = 0;
        // Paging must end: a page count well past what the server's own totals allow means the
        // server keeps saying hasMore, and tectl stops instead of looping.
        for (std::int64_t pages = 0;; ++pages) {
            check_cancel(options.cancel);
            DevicePageResult page;
            try {
                std::optional<DevicePageResult> early;
                if (ahead)
                    early = ahead->take(request);
                if (!early)
                    check_cancel(options.cancel);
                page = early ? std::move(*early) : source.devices(request);
            } catch (const Error& e) {
                if (e.kind() == ErrorKind::interrupted) {
                    check_cancel(options.cancel);  // the sync's own words, when it was a cancel
                    throw;
                }
                throw Error(e.kind(), fmt::format("reading {}: {}", space_label(space), e.what()),
                            e.hint());
            }

            auto identity = page_identity(page);
            if (!identity.empty() && identity == previous) {
                throw Error(ErrorKind::failure,
                            fmt::format("EPMM returned the same {} devices for offset {} as for "
                                        "offset {} in {}: the server ignores offset, so paging "
                                        "cannot read the whole inventory",
                                        identity.size(), request.offset, previous_offset,
                                        space_label(space)),
                            "the previous device index is unchanged; check for a proxy or "
                            "gateway that rewrites the query string, or report the EPMM version");
            }
            previous = std::move(identity);
            previous_offset = request.offset;

            for (const auto& result : page.results) {
                auto device = device_from_epmm(result, space.id, space.name);
                if (!device) {
                    log::debug("skipping a device result without common.uuid");
                    continue;
                }
                if (writer.add(*device)) {
                    ++indexed.devices;
                } else {
                    ++summary.duplicates;
                }
            }
            read += static_cast<std::int64_t>(page.results.size());
            largest_total = std::max(largest_total, page.total_count);
            indexed.reported = largest_total;

            progress.devices = read;
            progress.expected = expected_before + largest_total;
            progress.requests = requests();
            if (options.progress)
                options.progress(progress);

            // A full page with more to come: the next pages are at whole pages from here, up
            // to the total the server reported. A short page breaks that plan, so none is made.
            if (ahead && page.has_more && std::ssize(page.results) == request.limit) {
                DevicePageRequest next = request;
                for (int k = 1; k <= window; ++k) {
                    next.offset = request.offset + std::int64_t{k} * request.limit;
                    if (next.offset >= page.total_count)
                        break;
                    ahead->prefetch(next);
                }
            }

            if (!page.has_more || page.results.empty())
                break;
            request.offset += static_cast<std::int64_t>(page.results.size());
            if (request.offset >= page.total_count)
                break;
            if (pages > largest_total / options.limit + 10) {
                throw Error(ErrorKind::failure,
                            fmt::format("EPMM kept answering hasMore past {} devices of the {} it "
                                        "reported in {}",
                                        request.offset, largest_total, space_label(space)),
                            "the previous device index is unchanged; report the EPMM version");
            }
        }
        summary.spaces.push_back(indexed);
    }

    if (ahead)
        ahead->stop();
    check_cancel(options.cancel);
    summary.synced_at = options.now ? options.now() : system_now();
    writer.commit({summary.synced_at, 0, summary.spaces});
    summary.devices = writer.count();
    summary.requests = requests();
    summary.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return summary;
}

}  // namespace tectl
