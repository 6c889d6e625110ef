#include "tectl/page_prefetch.hpp"

#include <chrono>

namespace tectl {

PagePrefetcher::PagePrefetcher(std::vector<std::unique_ptr<DeviceSource>> sources,
                               const std::atomic<bool>* cancel)
    : sources_(std::move(sources)), cancel_(cancel) {
    sent_.assign(sources_.size(), 0);
    workers_.reserve(sources_.size());
    for (std::size_t i = 0; i < sources_.size(); ++i)
        workers_.emplace_back([this, i] { work(i); });
}

PagePrefetcher::~PagePrefetcher() {
    stop();
}

void PagePrefetcher::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    for (auto& worker : workers_) {
        if (worker.joinable())
            worker.join();
    }
    std::lock_guard lock(mutex_);
    slots_.clear();
}

PagePrefetcher::Key PagePrefetcher::key_of(const DevicePageRequest& request) {
    return {request.space, request.offset, request.limit, request.query};
}

void PagePrefetcher::prefetch(const DevicePageRequest& request) {
    {
        std::lock_guard lock(mutex_);
        auto [it, added] = slots_.try_emplace(key_of(request));
        if (!added)
            return;
        it->second.request = request;
    }
    changed_.notify_all();
}

std::optional<DevicePageResult> PagePrefetcher::take(const DevicePageRequest& request) {
    std::unique_lock lock(mutex_);
    // Pages planned for earlier offsets of this space were passed by: the sync will not ask.
    for (auto it = slots_.begin(); it != slots_.end();) {
        const auto& r = it->second.request;
        bool passed =
            r.space == request.space && r.query == request.query && r.offset < request.offset;
        // One a worker is fetching stays until it is done; the worker writes into it.
        bool idle = !it->second.started || it->second.done;
        it = passed && idle ? slots_.erase(it) : std::next(it);
    }
    auto it = slots_.find(key_of(request));
    if (it == slots_.end())
        return std::nullopt;
    // A worker will start it unless the workers stop; the wait also looks at `cancel` now and
    // then, since a signal handler cannot notify.
    auto ready = [&] {
        return it->second.done || (!it->second.started && (stopping_ || cancelled()));
    };
    while (!ready())
        changed_.wait_for(lock, std::chrono::milliseconds(50));
    Slot slot = std::move(it->second);
    slots_.erase(it);
    if (!slot.done)
        return std::nullopt;
    if (slot.error)
        std::rethrow_exception(slot.error);
    return std::move(slot.page);
}

bool PagePrefetcher::cancelled() const {
    return cancel_ && cancel_->load();
}

std::size_t PagePrefetcher::pending() const {
    std::lock_guard lock(mutex_);
    return slots_.size();
}

std::int64_t PagePrefetcher::requests_sent() const {
    std::lock_guard lock(mutex_);
    std::int64_t sent = 0;
    for (auto n : sent_)
        sent += n;
    return sent;
}

void PagePrefetcher::work(std::size_t worker) {
    DeviceSource& source = *sources_[worker];
    std::unique_lock lock(mutex_);
    while (true) {
        Slot* next = nullptr;
        changed_.wait(lock, [&] {
            if (stopping_ || cancelled())
                return true;
            // The lowest offset first: it is the one the sync will ask for soonest.
            for (auto& [key, slot] : slots_) {
                if (!slot.started) {
                    next = &slot;
                    return true;
                }
            }
            return false;
        });
        if (!next) {
            changed_.notify_all();  // take() may wait on a page no worker will start now
            return;
        }
        next->started = true;
        DevicePageRequest request = next->request;
        lock.unlock();
        DevicePageResult page;
        std::exception_ptr error;
        try {
            page = source.devices(request);
        } catch (...) {
            error = std::current_exception();
        }
        lock.lock();
        // Read here, by the one thread that uses the source, and published under the lock.
        sent_[worker] = source.requests_sent();
        // The slot is still there: take() removes only finished slots or waits for this one.
        Slot& slot = slots_.at(key_of(request));
        slot.page = std::move(page);
        slot.error = error;
        slot.done = true;
        changed_.notify_all();
    }
}

}  // namespace tectl
