// Sync and search through the real EPMM client against the simulator.
#include <catch2/catch.hpp>

#include "support/simulator.hpp"
#include "tectl/device_search.hpp"
#include "tectl/device_sync.hpp"
#include "tectl/epmm_client.hpp"
#include "tectl/error.hpp"

#include <algorithm>

using namespace tectl;
using tectl::test::SimConfig;
using tectl::test::Simulator;

namespace {

constexpr const char* kFound = "3a45b4d5-d2e5-468c-bf4f-149efff463a9";
constexpr const char* kHidden = "9c1e0f52-77aa-4f0e-9a51-0c4b2a1d3e6f";
constexpr const char* kAbsent = "11111111-2222-4333-8444-555555555555";

struct Connection {
    epmm::Client client;
    std::unique_ptr<DeviceSource> source;

    explicit Connection(const Simulator& sim)
        : client(http::make_curl_transport([&] {
                     http::TransportOptions o;
                     o.tls.cacert = sim.ca_file().string();
                     return o;
                 }()),
                 epmm::Endpoint{sim.host(), sim.port(), test::kSimUser, test::kSimPassword}),
          source(epmm_device_source(client)) {}
};

bool any_cause(const SearchResult& r, const std::string& text) {
    return std::any_of(r.causes.begin(), r.causes.end(),
                       [&](const std::string& c) { return c.find(text) != std::string::npos; });
}

SyncOptions sync_options(const test::TempDir& dir) {
    SyncOptions o;
    o.index_path = dir / "index" / "DI1.sqlite";
    return o;
}

}  // namespace

TEST_CASE("sim: a live search finds, misses and names the other kinds", "[device-sim]") {
    Simulator sim(SimConfig().device({{"space", 1},
                                      {"common.uuid", kFound},
                                      {"common.platform", "Android"},
                                      {"user.user_id", "alice"}}));
    Connection epmm(sim);
    auto report = search_live(*epmm.source,
                              {std::string(" {") + kFound + "} ", kAbsent, "490154203237518",
                               "$DEVICE_UUID$", "00008101-001D48D81168001E"},
                              {});
    REQUIRE(report.results.size() == 5);
    REQUIRE(report.results[0].found);
    const auto& d = *report.results[0].device;
    CHECK(d.uuid == kFound);
    CHECK(d.user_id == "alice");
    CHECK(d.platform == "Android");
    CHECK(d.space_name == "Global");
    CHECK(d.android_enterprise.has_value());
    CHECK_FALSE(d.status.empty());
    CHECK_FALSE(d.last_check_in.empty());

    CHECK_FALSE(report.results[1].found);
    CHECK(any_cause(report.results[1], "Global (space 1)"));
    CHECK(report.results[2].identifier.kind == IdentifierKind::imei);
    CHECK(report.results[3].identifier.kind == IdentifierKind::placeholder);
    CHECK(report.results[4].identifier.kind == IdentifierKind::apple_udid);
    CHECK(report.requests == 2);
    CHECK(sim.request_count() == 2);
}

TEST_CASE("sim: a device in a space the API user cannot read is not found, and says where",
          "[device-sim]") {
    Simulator sim(SimConfig()
                      .space(1, "Global")
                      .space(7, "Restricted")
                      .user(test::kSimUser, test::kSimPassword, {{1, true}, {7, false}})
                      .devices(1, 10)
                      .device({{"space", 7}, {"common.uuid", kHidden}}));
    Connection epmm(sim);

    SECTION("the user's own spaces") {
        auto report = search_live(*epmm.source, {kHidden}, {});
        CHECK_FALSE(report.results[0].found);
        CHECK(any_cause(report.results[0], "Global (space 1)"));
        CHECK(any_cause(report.results[0], "not assigned"));
    }
    SECTION("the integration names the space") {
        SearchOptions options;
        options.spaces = {1, 7};
        auto report = search_live(*epmm.source, {kHidden}, options);
        CHECK_FALSE(report.results[0].found);
        REQUIRE(report.unreadable.size() == 1);
        CHECK(report.unreadable[0].space.id == 7);
        CHECK(any_cause(report.results[0], "space 7 could not be read"));
    }
}

TEST_CASE("sim: a GDPR-masked user is shown masked", "[device-sim]") {
    Simulator sim(SimConfig()
                      .space(1, "Global")
                      .user(test::kSimUser, test::kSimPassword, {{1, true}}, true)
                      .device({{"space", 1}, {"common.uuid", kFound}, {"user.user_id", "bob"}}));
    Connection epmm(sim);
    auto report = search_live(*epmm.source, {kFound}, {});
    REQUIRE(report.results[0].found);
    CHECK(user_id_masked(report.results[0].device->user_id));
}

TEST_CASE("sim: sync reads every page and a cached search answers offline", "[device-sim]") {
    test::TempDir dir;
    Simulator sim(SimConfig().devices(1, 1000).device({{"space", 1}, {"common.uuid", kFound}}));
    Connection epmm(sim);
    auto summary = sync_devices(*epmm.source, sync_options(dir));
    CHECK(summary.devices == 1001);
    CHECK(summary.requests == 7);  // the user's spaces, then 6 pages of at most 200
    CHECK(sim.request_count() == 7);

    auto report = search_cached(sync_options(dir).index_path, {kFound, kAbsent});
    CHECK(report.results[0].found);
    CHECK_FALSE(report.results[1].found);
    CHECK(report.synced_at == summary.synced_at);
    CHECK(sim.request_count() == 7);
}

TEST_CASE("sim: a sync interrupted half-way leaves the previous index whole", "[device-sim]") {
    test::TempDir dir;
    auto options = sync_options(dir);
    {
        Simulator small(SimConfig().devices(1, 5).device({{"space", 1}, {"common.uuid", kFound}}));
        Connection epmm(small);
        sync_devices(*epmm.source, options);
    }
    Simulator sim(SimConfig().devices(1, 1000));
    Connection epmm(sim);
    std::atomic<bool> cancel{false};
    options.cancel = &cancel;
    options.progress = [&](const SyncProgress& p) {
        if (p.devices >= 400)
            cancel = true;
    };
    CHECK_THROWS_AS(sync_devices(*epmm.source, options), Error);
    auto index = DeviceIndex::open(options.index_path);
    REQUIRE(index);
    CHECK(index->meta().device_count == 6);
    CHECK(index->find(kFound));
}

TEST_CASE("sim: a server that ignores offset stops the sync", "[device-sim]") {
    test::TempDir dir;
    Simulator sim(SimConfig().devices(1, 1000).fault({{"kind", "ignore_offset"}}));
    Connection epmm(sim);
    try {
        sync_devices(*epmm.source, sync_options(dir));
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::failure);
        CHECK(std::string(e.what()).find("ignores offset") != std::string::npos);
    }
    CHECK(sim.request_count() == 3);
    CHECK_FALSE(DeviceIndex::open(sync_options(dir).index_path));
}

TEST_CASE("sim: a batch of 100 UUIDs takes 25 queries", "[device-sim]") {
    Simulator sim(SimConfig().devices(1, 300));
    auto listed = sim.devices({{"adminDeviceSpaceId", "1"},
                               {"fields", "common.uuid"},
                               {"query", ""},
                               {"limit", "50"},
                               {"offset", "100"}});
    REQUIRE(listed.status == 200);
    std::vector<std::string> inputs;
    const auto body = listed.json();
    for (const auto& d : body["results"])
        inputs.push_back(d["common.uuid"]);
    REQUIRE(inputs.size() == 50);
    for (int i = 0; i < 50; ++i) {
        char buf[40];
        std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012d", i);
        inputs.push_back(buf);
    }

    Connection epmm(sim);
    auto report = search_live(*epmm.source, inputs, {});
    CHECK(report.requests == 26);  // the user's spaces, then 4 UUIDs per query
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        INFO(inputs[i]);
        CHECK(report.results[i].found == (i < 50));
    }
}
