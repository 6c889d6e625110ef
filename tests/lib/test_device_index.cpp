#include <catch2/catch.hpp>

#include "support/process.hpp"
#include "tectl/device_index.hpp"
#include "tectl/error.hpp"

#include <cstdio>

using namespace tectl;

namespace {

std::string uuid_for(int n) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08x-0000-4000-8000-%012x", n, n);
    return buf;
}

IndexedDevice device(int n, std::int64_t space = 1) {
    IndexedDevice d;
    d.uuid = uuid_for(n);
    d.space_id = space;
    d.space_name = space == 1 ? "Global" : "Space " + std::to_string(space);
    d.platform = n % 2 ? "Android" : "iOS";
    d.status = "ACTIVE";
    d.model = "Pixel 8";
    d.user_id = "user" + std::to_string(n);
    d.last_check_in = "2026-01-01T00:00:00.000Z";
    if (n % 2)
        d.android_enterprise = true;
    d.epmm_id = n;
    return d;
}

void write_index(const std::filesystem::path& path, int first, int count, const std::string& when) {
    DeviceIndexWriter writer(path);
    for (int n = first; n < first + count; ++n)
        writer.add(device(n));
    writer.commit({when, 0, {{1, "Global", count}}});
}

}  // namespace

TEST_CASE("an EPMM result becomes an indexed device", "[device-index]") {
    auto j = nlohmann::json::parse(R"({"common.uuid":"3A45B4D5-D2E5-468C-BF4F-149EFFF463A9",
        "common.id":42,"common.status":"ACTIVE","common.platform":"Android",
        "common.model":"Pixel 8",
        "user.user_id":"*****","common.last_connected_at":"2026-01-02T03:04:05.000Z",
        "android.afw_capable":"true"})");
    auto d = device_from_epmm(j, 7, "Sales");
    REQUIRE(d);
    CHECK(d->uuid == "3a45b4d5-d2e5-468c-bf4f-149efff463a9");
    CHECK(d->epmm_id == 42);
    CHECK(d->space_id == 7);
    CHECK(d->space_name == "Sales");
    CHECK(d->android_enterprise == true);
    CHECK(d->last_check_in == "2026-01-02T03:04:05.000Z");
    CHECK(user_id_masked(d->user_id));
    CHECK_FALSE(user_id_masked("user01"));

    auto shown = device_json(*d);
    CHECK(shown["user_id_masked"] == true);
    CHECK(shown["android_enterprise_capable"] == true);
    CHECK_FALSE(shown.contains("raw_json"));

    CHECK_FALSE(device_from_epmm(nlohmann::json::parse(R"({"common.id":1})"), 1, ""));
    auto millis = device_from_epmm(
        nlohmann::json::parse(R"({"common.uuid":"a","common.last_connected_at":1704067200123})"), 1,
        "");
    REQUIRE(millis);
    CHECK(millis->last_check_in == "2024-01-01T00:00:00.123Z");
}

TEST_CASE("the device index is absent until the first sync", "[device-index]") {
    test::TempDir dir;
    CHECK_FALSE(DeviceIndex::open(dir / "index" / "DI1.sqlite"));
}

TEST_CASE("a committed sync is found by one and by many lookups", "[device-index]") {
    test::TempDir dir;
    auto path = dir / "index" / "DI1.sqlite";
    {
        DeviceIndexWriter writer(path);
        CHECK(writer.add(device(1)));
        CHECK(writer.add(device(2, 7)));
        CHECK_FALSE(writer.add(device(1, 7)));  // the same UUID in a second space keeps the first
        CHECK(writer.count() == 2);
        writer.commit({"2026-01-01T00:00:00Z", 0, {{1, "Global", 1, 2}, {7, "Space 7", 1, 1}}});
    }
    auto index = DeviceIndex::open(path);
    REQUIRE(index);
    auto one = index->find(uuid_for(1));
    REQUIRE(one);
    CHECK(*one == device(1));
    CHECK(index->find(uuid_for(2))->space_id == 7);
    CHECK_FALSE(index->find(uuid_for(3)));

    auto many = index->find_many({uuid_for(2), uuid_for(3), uuid_for(1)});
    REQUIRE(many.size() == 3);
    CHECK(many[0]->uuid == uuid_for(2));
    CHECK_FALSE(many[1]);
    CHECK(many[2]->uuid == uuid_for(1));

    auto meta = index->meta();
    CHECK(meta.last_sync == "2026-01-01T00:00:00Z");
    CHECK(meta.device_count == 2);
    CHECK(meta.spaces == std::vector<IndexedSpace>{{1, "Global", 1, 2}, {7, "Space 7", 1, 1}});
}

TEST_CASE("a sync replaces the previous index entirely", "[device-index]") {
    test::TempDir dir;
    auto path = dir / "DI1.sqlite";
    write_index(path, 0, 10, "first");
    write_index(path, 5, 10, "second");
    auto index = DeviceIndex::open(path);
    REQUIRE(index);
    CHECK_FALSE(index->find(uuid_for(0)));
    CHECK(index->find(uuid_for(14)));
    CHECK(index->meta().device_count == 10);
    CHECK(index->meta().last_sync == "second");
}

TEST_CASE("an uncommitted sync leaves the previous index whole", "[device-index]") {
    test::TempDir dir;
    auto path = dir / "DI1.sqlite";
    write_index(path, 0, 100, "first");
    {
        DeviceIndexWriter writer(path);
        for (int n = 1000; n < 1500; ++n)
            writer.add(device(n));
        // Destroyed without commit, as when a page fails or the user presses Ctrl-C.
    }
    auto index = DeviceIndex::open(path);
    REQUIRE(index);
    CHECK(index->meta().device_count == 100);
    CHECK(index->meta().last_sync == "first");
    CHECK(index->find(uuid_for(99)));
    CHECK_FALSE(index->find(uuid_for(1000)));
}

TEST_CASE("readers see the previous index while a sync writes", "[device-index]") {
    test::TempDir dir;
    auto path = dir / "DI1.sqlite";
    write_index(path, 0, 10, "first");

    DeviceIndexWriter writer(path);
    for (int n = 100; n < 200; ++n)
        writer.add(device(n));

    auto during = DeviceIndex::open(path);
    REQUIRE(during);
    CHECK(during->find(uuid_for(3)));
    CHECK_FALSE(during->find(uuid_for(150)));

    writer.commit({"second", 0, {}});
    auto after = DeviceIndex::open(path);
    REQUIRE(after);
    CHECK(after->find(uuid_for(150)));
    CHECK(after->meta().last_sync == "second");
}

TEST_CASE("a second sync of the same index is a conflict", "[device-index]") {
    test::TempDir dir;
    auto path = dir / "DI1.sqlite";
    DeviceIndexWriter first(path);
    try {
        DeviceIndexWriter second(path);
        FAIL("a second writer was allowed");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::conflict);
    }
}

TEST_CASE("a file that is not an index is reported with its path", "[device-index]") {
    test::TempDir dir;
    auto path = dir / "DI1.sqlite";
    test::write_file(path, "this is not sqlite, just some text that is long enough to be a header");
    try {
        DeviceIndex::open(path);
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::failure);
        CHECK(std::string(e.what()).find(path.string()) != std::string::npos);
    }
}
