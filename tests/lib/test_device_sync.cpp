#include <catch2/catch.hpp>

#include "lib/fake_device_source.hpp"
#include "lib/previous_index.hpp"
#include "support/process.hpp"
#include "tectl/device_sync.hpp"
#include "tectl/error.hpp"

using namespace tectl;
using tectl::test::fake_device;
using tectl::test::fake_source;
using tectl::test::fake_uuid;

namespace {

SyncOptions options_for(const test::TempDir& dir) {
    SyncOptions options;
    options.index_path = dir / "index" / "DI1.sqlite";
    options.now = [] { return std::string("2026-01-01T00:00:00Z"); };
    return options;
}

}  // namespace

TEST_CASE("sync pages through a space with offset as record index", "[device-sync]") {
    test::TempDir dir;
    auto source = fake_source(1000);
    auto summary = sync_devices(source, options_for(dir));

    CHECK(summary.devices == 1000);
    CHECK(summary.duplicates == 0);
    CHECK(summary.requests == 6);  // the user's spaces, then 5 pages of 200
    CHECK(summary.synced_at == "2026-01-01T00:00:00Z");
    REQUIRE(summary.spaces.size() == 1);
    CHECK(summary.spaces[0] == IndexedSpace{1, "Global", 1000, 1000});
    REQUIRE(source.seen.size() == 5);
    for (std::size_t i = 0; i < source.seen.size(); ++i) {
        CHECK(source.seen[i].offset == static_cast<std::int64_t>(i * 200));
        CHECK(source.seen[i].limit == 200);
        CHECK(source.seen[i].query.empty());
    }

    auto index = DeviceIndex::open(options_for(dir).index_path);
    REQUIRE(index);
    CHECK(index->meta().device_count == 1000);
    auto d = index->find(fake_uuid(777));
    REQUIRE(d);
    CHECK(d->epmm_id == 777);
    CHECK(d->space_name == "Global");
    CHECK(d->android_enterprise == true);
}

TEST_CASE("sync stops at totalCount even when hasMore stays true", "[device-sync]") {
    test::TempDir dir;
    struct Liar : test::FakeDeviceSource {
        DevicePageResult devices(const DevicePageRequest& r) override {
            auto page = FakeDeviceSource::devices(r);
            page.has_more = true;
            return page;
        }
    } source;
    source.spaces = {{1, "Global"}};
    for (int i = 1; i <= 450; ++i)
        source.inventory[1].push_back(fake_device(i));
    auto summary = sync_devices(source, options_for(dir));
    CHECK(summary.devices == 450);
    CHECK(source.seen.size() == 3);
}

TEST_CASE("sync reads the configured spaces and keeps a device once", "[device-sync]") {
    test::TempDir dir;
    test::FakeDeviceSource source;
    for (int i = 1; i <= 300; ++i)
        source.inventory[1].push_back(fake_device(i));
    for (int i = 251; i <= 400; ++i)
        source.inventory[5].push_back(fake_device(i));
    auto options = options_for(dir);
    options.spaces = {1, 5};

    auto summary = sync_devices(source, options);
    CHECK(summary.devices == 400);
    CHECK(summary.duplicates == 50);
    CHECK(summary.requests == 3);  // no spaces request: the integration names its spaces
    REQUIRE(summary.spaces.size() == 2);
    CHECK(summary.spaces[1].id == 5);
    CHECK(summary.spaces[1].devices == 100);
    CHECK(summary.spaces[1].reported == 150);

    auto index = DeviceIndex::open(options.index_path);
    CHECK(index->find(fake_uuid(260))->space_id == 1);
    CHECK(index->find(fake_uuid(390))->space_id == 5);
}

TEST_CASE("sync reports progress after every page", "[device-sync]") {
    test::TempDir dir;
    auto source = fake_source(450);
    auto options = options_for(dir);
    std::vector<SyncProgress> seen;
    options.progress = [&](const SyncProgress& p) { seen.push_back(p); };
    sync_devices(source, options);
    REQUIRE(seen.size() == 3);
    CHECK(seen[0].devices == 200);
    CHECK(seen[2].devices == 450);
    CHECK(seen[2].expected == 450);
    CHECK(seen[2].space.name == "Global");
    CHECK(seen[2].space_total == 1);
}

TEST_CASE("a server that ignores offset aborts the sync and keeps the index", "[device-sync]") {
    test::TempDir dir;
    auto options = options_for(dir);
    test::write_previous_index(options.index_path);

    auto source = fake_source(1000);
    source.ignore_offset = true;
    try {
        sync_devices(source, options);
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::failure);
        CHECK(std::string(e.what()).find("ignores offset") != std::string::npos);
    }
    CHECK(source.seen.size() == 2);
    test::check_previous_index_intact(options.index_path);
}

TEST_CASE("a sync failing half-way keeps the previous index whole", "[device-sync]") {
    test::TempDir dir;
    auto options = options_for(dir);
    test::write_previous_index(options.index_path);

    auto source = fake_source(1000);
    source.fail_after = 3;  // the spaces and two pages
    try {
        sync_devices(source, options);
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::network);
        CHECK(std::string(e.what()).find("Global (space 1)") != std::string::npos);
    }
    test::check_previous_index_intact(options.index_path);
}

TEST_CASE("a cancelled sync stops between pages and keeps the previous index", "[device-sync]") {
    test::TempDir dir;
    auto options = options_for(dir);
    test::write_previous_index(options.index_path);

    auto source = fake_source(1000);
    std::atomic<bool> cancel{false};
    options.cancel = &cancel;
    options.progress = [&](const SyncProgress& p) {
        if (p.devices >= 400)
            cancel = true;
    };
    try {
        sync_devices(source, options);
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::interrupted);
    }
    CHECK(source.seen.size() == 2);
    test::check_previous_index_intact(options.index_path);
}

TEST_CASE("a space the API user cannot read fails the sync as an auth error", "[device-sync]") {
    test::TempDir dir;
    auto source = fake_source(10);
    source.forbidden = {7};
    auto options = options_for(dir);
    options.spaces = {1, 7};
    try {
        sync_devices(source, options);
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::auth);
        CHECK(std::string(e.what()).find("space 7") != std::string::npos);
    }
    // The first sync failed: there is still no index.
    CHECK_FALSE(DeviceIndex::open(options.index_path));
}
