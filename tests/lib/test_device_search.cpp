#include <catch2/catch.hpp>

#include "lib/fake_device_source.hpp"
#include "support/process.hpp"
#include "tectl/device_search.hpp"
#include "tectl/error.hpp"

#include <algorithm>

using namespace tectl;
using tectl::test::fake_device;
using tectl::test::fake_source;
using tectl::test::fake_uuid;

namespace {

bool any_cause(const SearchResult& r, const std::string& text) {
    return std::any_of(r.causes.begin(), r.causes.end(),
                       [&](const std::string& c) { return c.find(text) != std::string::npos; });
}

std::string upper(std::string s) {
    for (char& c : s)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace

TEST_CASE("a UUID query holds as many UUIDs as fit in 255 characters", "[device-search]") {
    std::vector<std::string> four(kUuidsPerQuery, fake_uuid(1));
    CHECK(uuid_query(four).size() <= 255);
    std::vector<std::string> five(kUuidsPerQuery + 1, fake_uuid(1));
    CHECK(uuid_query(five).size() > 255);
    CHECK(uuid_query({fake_uuid(1), fake_uuid(2)}) ==
          "\"common.uuid\"=\"" + fake_uuid(1) + "\" OR \"common.uuid\"=\"" + fake_uuid(2) + "\"");
}

TEST_CASE("a live search of mixed kinds queries only the Device UUIDs", "[device-search]") {
    auto source = fake_source(50);
    std::vector<std::string> inputs = {"  {" + upper(fake_uuid(7)) + "} ",
                                       fake_uuid(99),
                                       "490154203237518",
                                       "$DEVICE_UUID$",
                                       "C02XL0GZJGH5",
                                       fake_uuid(8)};
    auto report = search_live(source, inputs, {});

    REQUIRE(report.results.size() == 6);
    CHECK(report.method == SearchMethod::live);
    CHECK(report.requests == 2);  // the user's spaces, then one query for the three UUIDs
    CHECK(source.query_requests() == 1);

    const auto& braced = report.results[0];
    CHECK(braced.found);
    CHECK(braced.identifier.value == fake_uuid(7));
    CHECK_FALSE(braced.identifier.notes.empty());
    REQUIRE(braced.device);
    CHECK(braced.device->space_name == "Global");
    CHECK(braced.device->platform == "Android");
    CHECK(braced.device->android_enterprise == true);
    CHECK(braced.device->user_id == "user7");

    const auto& missing = report.results[1];
    CHECK_FALSE(missing.found);
    CHECK(any_cause(missing, "Global (space 1)"));
    CHECK(any_cause(missing, "retired"));
    CHECK(any_cause(missing, "not enrolled"));

    CHECK_FALSE(report.results[2].found);
    CHECK(report.results[2].identifier.kind == IdentifierKind::imei);
    CHECK(any_cause(report.results[2], "IMEI"));
    CHECK(report.results[3].identifier.kind == IdentifierKind::placeholder);
    CHECK(report.results[4].identifier.kind == IdentifierKind::serial_number);
    CHECK(report.results[5].found);
    CHECK_FALSE(report.all_found());
}

TEST_CASE("a search without any Device UUID sends no request", "[device-search]") {
    auto source = fake_source(5);
    auto report = search_live(source, {"42", ""}, {});
    CHECK(report.requests == 0);
    CHECK(report.results[0].identifier.kind == IdentifierKind::epmm_device_id);
    CHECK(report.results[1].identifier.kind == IdentifierKind::empty);
}

TEST_CASE("a batch is sent a few UUIDs per query, each asked once", "[device-search]") {
    auto source = fake_source(100);
    std::vector<std::string> inputs;
    for (int i = 1; i <= 10; ++i)
        inputs.push_back(fake_uuid(i));
    inputs.push_back(fake_uuid(3));  // twice in the input, once in the queries
    auto report = search_live(source, inputs, {});
    CHECK(report.all_found());
    CHECK(source.query_requests() == 3);
    for (const auto& r : source.seen)
        CHECK(r.query.size() <= 255);
}

TEST_CASE("a device only in a later space is found there", "[device-search]") {
    test::FakeDeviceSource source;
    source.spaces = {{1, "Global"}, {5, "Sales"}};
    for (int i = 1; i <= 10; ++i)
        source.inventory[1].push_back(fake_device(i));
    source.inventory[5].push_back(fake_device(500));
    auto report = search_live(source, {fake_uuid(2), fake_uuid(500)}, {});
    CHECK(report.all_found());
    CHECK(report.results[0].device->space_id == 1);
    CHECK(report.results[1].device->space_id == 5);
    CHECK(report.results[1].device->space_name == "Sales");
    // Space 5 is asked only for the UUID that space 1 did not have.
    REQUIRE(source.seen.size() == 2);
    CHECK(source.seen[1].query.find(fake_uuid(2)) == std::string::npos);
}

TEST_CASE("a GDPR-masked user is shown masked and matched on the UUID", "[device-search]") {
    test::FakeDeviceSource source;
    source.spaces = {{1, "Global"}};
    source.inventory[1].push_back(fake_device(1, "*****"));
    auto report = search_live(source, {fake_uuid(1)}, {});
    REQUIRE(report.results[0].found);
    CHECK(report.results[0].device->user_id == "*****");
    CHECK(device_json(*report.results[0].device)["user_id_masked"] == true);
    const auto& warnings = report.results[0].warnings;
    CHECK(std::any_of(warnings.begin(), warnings.end(),
                      [](const std::string& w) { return w.find("GDPR") != std::string::npos; }));
}

TEST_CASE("a space the API user cannot read is reported and the others searched",
          "[device-search]") {
    auto source = fake_source(10);
    source.inventory[7].push_back(fake_device(700));
    source.forbidden = {7};
    SearchOptions options;
    options.spaces = {1, 7};
    auto report = search_live(source, {fake_uuid(1), fake_uuid(700)}, options);
    CHECK(report.results[0].found);
    CHECK_FALSE(report.results[1].found);
    REQUIRE(report.unreadable.size() == 1);
    CHECK(report.unreadable[0].space.id == 7);
    CHECK(any_cause(report.results[1], "space 7 could not be read"));
    CHECK(report.spaces_searched == std::vector<Space>{{1, ""}});
}

TEST_CASE("a search where every space refuses is an auth error", "[device-search]") {
    auto source = fake_source(10);
    source.forbidden = {1};
    try {
        search_live(source, {fake_uuid(1)}, {});
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::auth);
    }
}

TEST_CASE("a large batch syncs first when that costs fewer requests", "[device-search]") {
    test::TempDir dir;
    auto source = fake_source(20000);
    std::vector<std::string> inputs;
    for (int i = 1; i <= 1000; ++i)
        inputs.push_back(fake_uuid(i * 30));  // half beyond 20000
    SearchOptions options;
    options.index_path = dir / "DI1.sqlite";
    auto report = search_live(source, inputs, options);

    CHECK(report.method == SearchMethod::sync);
    REQUIRE(report.sync);
    CHECK(report.sync->devices == 20000);
    // The spaces, one count, 100 pages: against 250 queries for 1,000 UUIDs.
    CHECK(report.requests == 102);
    CHECK(report.results[0].found);
    CHECK(report.results[665].found);
    CHECK_FALSE(report.results[667].found);
    CHECK(DeviceIndex::open(options.index_path)->meta().device_count == 20000);
}

TEST_CASE("a large batch uses live queries when the last sync says the inventory is big",
          "[device-search]") {
    test::TempDir dir;
    auto path = dir / "DI1.sqlite";
    {
        DeviceIndexWriter writer(path);
        writer.commit({"2026-01-01T00:00:00Z", 0, {{1, "Global", 0, 100000}}});
    }
    auto source = fake_source(100);
    std::vector<std::string> inputs;
    for (int i = 1; i <= 40; ++i)
        inputs.push_back(fake_uuid(i));
    SearchOptions options;
    options.index_path = path;
    options.spaces = {1};
    auto report = search_live(source, inputs, options);
    CHECK(report.method == SearchMethod::live);
    CHECK(report.requests == 10);  // no spaces, no count: 40 UUIDs, 4 per query
    CHECK(report.all_found());
    CHECK(report.results[0].device->space_name == "Global");  // named from the index
}

TEST_CASE("a cached search answers from the index and says when it was synced", "[device-search]") {
    test::TempDir dir;
    auto path = dir / "DI1.sqlite";
    CHECK_THROWS_AS(search_cached(path, {fake_uuid(1)}), Error);
    try {
        search_cached(path, {fake_uuid(1)});
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::conflict);
    }

    auto source = fake_source(30);
    SyncOptions sync;
    sync.index_path = path;
    sync.now = [] { return std::string("2026-02-03T04:05:06Z"); };
    sync_devices(source, sync);
    std::int64_t before = source.requests_sent();

    auto report = search_cached(path, {fake_uuid(5), fake_uuid(31), "not a uuid"});
    CHECK(source.requests_sent() == before);
    CHECK(report.method == SearchMethod::cached);
    CHECK(report.synced_at == "2026-02-03T04:05:06Z");
    CHECK(report.results[0].found);
    CHECK_FALSE(report.results[1].found);
    CHECK(any_cause(report.results[1], "2026-02-03T04:05:06Z"));
    CHECK(report.results[2].identifier.kind == IdentifierKind::unknown);
}
