// Reading pages ahead over extra connections: the same index, the same requests and the same
// errors as reading them one after another.
#include <catch2/catch.hpp>

#include "lib/fake_device_source.hpp"
#include "lib/previous_index.hpp"
#include "support/process.hpp"
#include "tectl/device_sync.hpp"
#include "tectl/error.hpp"
#include "tectl/page_prefetch.hpp"

#include <algorithm>
#include <memory>
#include <mutex>
#include <set>

using namespace tectl;
using tectl::test::fake_source;
using tectl::test::fake_uuid;
using tectl::test::FakeDeviceSource;

namespace {

// The offsets every extra connection was asked for, across threads.
struct SharedLog {
    std::mutex mutex;
    std::vector<std::int64_t> offsets;
};

class LoggedSource : public DeviceSource {
  public:
    LoggedSource(FakeDeviceSource fake, std::shared_ptr<SharedLog> log)
        : fake_(std::move(fake)), log_(std::move(log)) {}

    std::vector<Space> my_spaces() override { return fake_.my_spaces(); }
    DevicePageResult devices(const DevicePageRequest& r) override {
        {
            std::lock_guard lock(log_->mutex);
            log_->offsets.push_back(r.offset);
        }
        return fake_.devices(r);
    }
    std::int64_t count(std::int64_t space, const std::string& query) override {
        return fake_.count(space, query);
    }
    std::int64_t requests_sent() const override { return fake_.requests_sent(); }

  private:
    FakeDeviceSource fake_;
    std::shared_ptr<SharedLog> log_;
};

SyncOptions ahead_options(const test::TempDir& dir, const FakeDeviceSource& like,
                          const std::shared_ptr<SharedLog>& log, int connections) {
    SyncOptions options;
    options.index_path = dir / "index" / "DI1.sqlite";
    options.now = [] { return std::string("2026-01-01T00:00:00Z"); };
    options.limit = 100;
    options.connections = connections;
    options.connect = [like, log] { return std::make_unique<LoggedSource>(like, log); };
    return options;
}

std::string error_of(const std::function<void()>& f, ErrorKind& kind) {
    try {
        f();
    } catch (const Error& e) {
        kind = e.kind();
        return e.what();
    }
    FAIL("no error");
    return {};
}

}  // namespace

TEST_CASE("a sync over 3 connections asks for each page once and indexes every device",
          "[device-sync][prefetch]") {
    test::TempDir dir;
    auto log = std::make_shared<SharedLog>();
    auto main = fake_source(1000);
    auto options = ahead_options(dir, main, log, 3);

    auto summary = sync_devices(main, options);
    CHECK(summary.devices == 1000);
    // The user's spaces, then 10 pages of 100, wherever each page was read.
    CHECK(summary.requests == 11);

    // The sync's own connection read the first page; the two extra ones each later page once.
    REQUIRE(main.seen.size() == 1);
    CHECK(main.seen[0].offset == 0);
    std::multiset<std::int64_t> offsets(log->offsets.begin(), log->offsets.end());
    std::multiset<std::int64_t> expected;
    for (int page = 1; page < 10; ++page)
        expected.insert(page * 100);
    CHECK(offsets == expected);

    auto index = DeviceIndex::open(options.index_path);
    REQUIRE(index);
    CHECK(index->meta().device_count == 1000);
    CHECK(index->find(fake_uuid(1)));
    CHECK(index->find(fake_uuid(1000)));
}

TEST_CASE("over one connection nothing is read ahead", "[device-sync][prefetch]") {
    test::TempDir dir;
    auto log = std::make_shared<SharedLog>();
    auto main = fake_source(1000);
    auto summary = sync_devices(main, ahead_options(dir, main, log, 1));
    CHECK(summary.devices == 1000);
    CHECK(log->offsets.empty());
    CHECK(main.seen.size() == 10);
}

TEST_CASE("a server with smaller pages than asked is read page by page, all of it",
          "[device-sync][prefetch]") {
    test::TempDir dir;
    auto log = std::make_shared<SharedLog>();
    auto main = fake_source(1000);
    main.max_page = 70;  // asked for 100, answers 70: the planned offsets would be wrong
    auto summary = sync_devices(main, ahead_options(dir, main, log, 3));
    CHECK(summary.devices == 1000);
    CHECK(log->offsets.empty());
    CHECK(main.seen.size() == 15);  // 1000 / 70, rounded up
}

TEST_CASE("a server that ignores offset still aborts a sync over several connections",
          "[device-sync][prefetch]") {
    test::TempDir dir;
    auto log = std::make_shared<SharedLog>();
    auto main = fake_source(1000);
    main.ignore_offset = true;
    auto options = ahead_options(dir, main, log, 3);
    test::write_previous_index(options.index_path);

    ErrorKind kind{};
    std::string message = error_of([&] { sync_devices(main, options); }, kind);
    CHECK(kind == ErrorKind::failure);
    CHECK(message.find("ignores offset") != std::string::npos);
    test::check_previous_index_intact(options.index_path);
}

TEST_CASE("an error on a page read ahead fails the sync, naming the space",
          "[device-sync][prefetch]") {
    test::TempDir dir;
    auto log = std::make_shared<SharedLog>();
    auto main = fake_source(1000);
    auto broken = main;
    broken.fail_after = 0;  // every extra connection fails at once
    auto options = ahead_options(dir, broken, log, 3);
    test::write_previous_index(options.index_path);

    ErrorKind kind{};
    std::string message = error_of([&] { sync_devices(main, options); }, kind);
    CHECK(kind == ErrorKind::network);
    CHECK(message.find("Global (space 1)") != std::string::npos);
    test::check_previous_index_intact(options.index_path);
}

TEST_CASE("a sync over several connections stops when cancelled and keeps the index",
          "[device-sync][prefetch]") {
    test::TempDir dir;
    auto log = std::make_shared<SharedLog>();
    auto main = fake_source(1000);
    auto options = ahead_options(dir, main, log, 3);
    test::write_previous_index(options.index_path);
    std::atomic<bool> cancel{false};
    options.cancel = &cancel;
    options.progress = [&](const SyncProgress& p) {
        if (p.devices >= 300)
            cancel = true;
    };

    ErrorKind kind{};
    error_of([&] { sync_devices(main, options); }, kind);
    CHECK(kind == ErrorKind::interrupted);
    test::check_previous_index_intact(options.index_path);
}

TEST_CASE("the number of connections is from 1 to 8", "[device-sync][prefetch]") {
    test::TempDir dir;
    auto log = std::make_shared<SharedLog>();
    auto main = fake_source(10);
    for (int n : {0, 9, -1}) {
        ErrorKind kind{};
        error_of([&] { sync_devices(main, ahead_options(dir, main, log, n)); }, kind);
        CHECK(kind == ErrorKind::usage);
    }
    CHECK(main.requests == 0);
}

TEST_CASE("the prefetcher answers only what was queued, and each queued page once", "[prefetch]") {
    auto log = std::make_shared<SharedLog>();
    std::vector<std::unique_ptr<DeviceSource>> sources;
    sources.push_back(std::make_unique<LoggedSource>(fake_source(500), log));
    sources.push_back(std::make_unique<LoggedSource>(fake_source(500), log));
    PagePrefetcher ahead(std::move(sources), nullptr);

    DevicePageRequest r;
    r.limit = 100;
    CHECK_FALSE(ahead.take(r));  // never queued

    for (std::int64_t offset : {100, 200, 300, 100})
        ahead.prefetch({1, "", 100, offset});
    r.offset = 200;
    auto page = ahead.take(r);
    REQUIRE(page);
    REQUIRE(page->results.size() == 100);
    CHECK(page->results.front()["common.id"] == 201);
    CHECK(page->total_count == 500);
    CHECK_FALSE(ahead.take(r));  // taken once
    r.offset = 300;
    auto third = ahead.take(r);
    REQUIRE(third);
    CHECK(third->results.front()["common.id"] == 301);
    ahead.stop();
    CHECK(ahead.pending() == 0);
    r.offset = 100;  // passed by, and dropped at the latest by stop()
    CHECK_FALSE(ahead.take(r));
    // 100 was queued twice and read at most once; 200 and 300 once each.
    std::multiset<std::int64_t> offsets(log->offsets.begin(), log->offsets.end());
    CHECK(offsets.count(100) <= 1);
    CHECK(offsets.count(200) == 1);
    CHECK(offsets.count(300) == 1);
    CHECK(ahead.requests_sent() == static_cast<std::int64_t>(log->offsets.size()));
}

TEST_CASE("a cancelled prefetcher starts nothing more and take() does not wait for it",
          "[prefetch]") {
    auto log = std::make_shared<SharedLog>();
    std::vector<std::unique_ptr<DeviceSource>> sources;
    sources.push_back(std::make_unique<LoggedSource>(fake_source(500), log));
    std::atomic<bool> cancel{true};
    PagePrefetcher ahead(std::move(sources), &cancel);
    ahead.prefetch({1, "", 100, 100});
    DevicePageRequest r{1, "", 100, 100};
    CHECK_FALSE(ahead.take(r));
    ahead.stop();
    CHECK(log->offsets.empty());
}
