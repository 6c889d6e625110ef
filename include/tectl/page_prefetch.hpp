// Reads device pages ahead of a sync over extra connections, so that EPMM's time per page is
// spent on several pages at once while the sync writes the previous ones to the index.
//
// The sync still asks for its pages one by one, in order, and decides from each page what to
// ask next; the prefetcher answers the asks it was told to expect, from pages its workers read
// early. A page read that the sync never asks for (the server paged differently than planned)
// is dropped. Each extra source is used by one worker thread only.
#pragma once

#include "tectl/device_source.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <tuple>
#include <vector>

namespace tectl {

class PagePrefetcher {
  public:
    // One worker per source. `cancel`, when set, stops the workers before their next request.
    PagePrefetcher(std::vector<std::unique_ptr<DeviceSource>> sources,
                   const std::atomic<bool>* cancel);
    ~PagePrefetcher();  // stops the workers; a request in flight ends first (its timeout bounds it)

    PagePrefetcher(const PagePrefetcher&) = delete;
    PagePrefetcher& operator=(const PagePrefetcher&) = delete;

    // Lets the requests in flight end, stops the workers and drops every page not taken.
    void stop();

    // Queues `request` for a worker unless it is queued or fetched already.
    void prefetch(const DevicePageRequest& request);

    // The page for `request` when it was queued: waits for a worker to read it and rethrows
    // the worker's error. Empty when it was never queued, or when the workers stopped or were
    // cancelled before starting it (the caller fetches it itself, or stops). Pages queued for
    // offsets before `request` in the same space are dropped.
    std::optional<DevicePageResult> take(const DevicePageRequest& request);

    // Pages queued or fetched and not yet taken.
    std::size_t pending() const;

    // Requests the workers' sources sent, retries included.
    std::int64_t requests_sent() const;

  private:
    using Key = std::tuple<std::int64_t, std::int64_t, int, std::string>;  // space, offset, ...
    struct Slot {
        DevicePageRequest request;
        bool started = false;
        bool done = false;
        DevicePageResult page;
        std::exception_ptr error;
    };

    static Key key_of(const DevicePageRequest& request);
    bool cancelled() const;
    void work(std::size_t worker);

    std::vector<std::unique_ptr<DeviceSource>> sources_;
    std::vector<std::int64_t> sent_;  // each worker's requests, as of its last page
    const std::atomic<bool>* cancel_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::map<Key, Slot> slots_;
    bool stopping_ = false;
    std::vector<std::thread> workers_;
};

}  // namespace tectl
