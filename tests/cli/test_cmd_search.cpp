// search and sync end to end: the tectl binary against the simulator.
#include <catch2/catch.hpp>

#include "support/process.hpp"
#include "support/simulator.hpp"

#include <nlohmann/json.hpp>

using namespace tectl;
using test::SimConfig;
using test::Simulator;
using test::TempDir;

namespace {

constexpr const char* kFound = "3a45b4d5-d2e5-468c-bf4f-149efff463a9";
constexpr const char* kAbsent = "11111111-2222-4333-8444-555555555555";

// An integration "a" pointing at the simulator, its password in the credential file.
void configure(const TempDir& dir, const Simulator& sim) {
    REQUIRE(test::tectl(dir.path(), {"create", "--platform", "android", "--name", "a"}).exit_code ==
            0);
    test::write_file(dir / "pw.txt", test::kSimPassword);
    auto r = test::tectl(
        dir.path(), {"configure", "a", "--epmm-host", "127.0.0.1:" + std::to_string(sim.port()),
                     "--epmm-user", test::kSimUser, "--epmm-password-file",
                     (dir / "pw.txt").string(), "--cacert", sim.ca_file().string()});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
}

nlohmann::json json_of(const test::RunResult& r) {
    INFO(r.out << r.err);
    return nlohmann::json::parse(r.out);
}

}  // namespace

TEST_CASE("search reports found, not found and other kinds with exit 3", "[cli][search]") {
    TempDir dir;
    Simulator sim(
        SimConfig().device({{"space", 1}, {"common.uuid", kFound}, {"user.user_id", "u1"}}));
    configure(dir, sim);

    auto all = test::tectl(dir.path(), {"search", "a", std::string("{") + kFound + "}"});
    INFO(all.out << all.err);
    CHECK(all.exit_code == 0);
    CHECK(all.out.find("found in Global (space 1)") != std::string::npos);
    CHECK(all.out.find("removed braces") != std::string::npos);

    auto mixed =
        test::tectl(dir.path(), {"search", "a", kFound, kAbsent, "490154203237518", "--json"});
    CHECK(mixed.exit_code == 3);
    auto doc = json_of(mixed);
    REQUIRE(doc["results"].size() == 3);
    CHECK(doc["results"][0]["found"] == true);
    CHECK(doc["results"][0]["kind"] == "device-uuid");
    CHECK(doc["results"][0]["space"]["id"] == 1);
    CHECK(doc["results"][0]["device"]["user_id"] == "u1");
    CHECK(doc["results"][1]["found"] == false);
    CHECK_FALSE(doc["results"][1]["causes"].empty());
    CHECK(doc["results"][2]["kind"] == "imei");
    CHECK(doc["results"][2]["device"].is_null());
}

TEST_CASE("sync fills the index that search --cached reads offline", "[cli][search][sync]") {
    TempDir dir;
    Simulator sim(SimConfig().devices(1, 450).device({{"space", 1}, {"common.uuid", kFound}}));
    configure(dir, sim);

    auto never = test::tectl(dir.path(), {"search", "a", "--cached", kFound});
    CHECK(never.exit_code == 6);

    auto sync = test::tectl(dir.path(), {"sync", "a", "--json"});
    INFO(sync.out << sync.err);
    REQUIRE(sync.exit_code == 0);
    auto summary = json_of(sync);
    CHECK(summary["devices"] == 451);
    CHECK(summary["requests"] == 4);
    CHECK(sync.err.find("\r") == std::string::npos);  // no progress bar off a terminal

    auto show = json_of(test::tectl(dir.path(), {"show", "a", "--json"}));
    CHECK(show["integration"]["last_sync"] == summary["synced_at"]);

    std::size_t before = sim.request_count();
    test::write_file(dir / "ids.txt", std::string(kFound) + "\n\n" + kAbsent + "\n");
    auto cached = test::tectl(
        dir.path(), {"search", "a", "--cached", "--file", (dir / "ids.txt").string(), "--json"});
    CHECK(cached.exit_code == 3);
    auto doc = json_of(cached);
    CHECK(doc["method"] == "cached");
    CHECK(doc["synced_at"] == summary["synced_at"]);
    REQUIRE(doc["results"].size() == 2);
    CHECK(doc["results"][0]["found"] == true);
    CHECK(sim.request_count() == before);
}

TEST_CASE("sync over one connection or several indexes the same devices in as many requests",
          "[cli][sync]") {
    TempDir dir;
    Simulator sim(SimConfig().devices(1, 1234).device({{"space", 1}, {"common.uuid", kFound}}));
    configure(dir, sim);

    nlohmann::json first;
    for (const char* connections : {"1", "4"}) {
        INFO("--connections " << connections);
        std::size_t before = sim.request_count();
        auto sync = test::tectl(dir.path(), {"sync", "a", "--connections", connections, "--json"});
        INFO(sync.out << sync.err);
        REQUIRE(sync.exit_code == 0);
        auto summary = json_of(sync);
        CHECK(summary["devices"] == 1235);
        CHECK(summary["requests"] == 8);  // the user's spaces, then 7 pages of 200
        CHECK(sim.request_count() - before == 8);
        auto cached =
            json_of(test::tectl(dir.path(), {"search", "a", "--cached", kFound, "--json"}));
        if (first.is_null())
            first = cached["results"];
        CHECK(cached["results"] == first);
        CHECK(cached["results"][0]["found"] == true);
    }

    for (const char* bad : {"0", "9", "many"}) {
        auto r = test::tectl(dir.path(), {"sync", "a", "--connections", bad});
        INFO(bad << ": " << r.err);
        CHECK(r.exit_code == 2);
    }
}

TEST_CASE("search without identifiers is a usage error", "[cli][search]") {
    TempDir dir;
    REQUIRE(test::tectl(dir.path(), {"create", "--platform", "android", "--name", "a"}).exit_code ==
            0);
    CHECK(test::tectl(dir.path(), {"search", "a", "--cached"}).exit_code == 2);
    CHECK(test::tectl(dir.path(), {"search", "a", "--file", "-"}).exit_code == 2);
    CHECK(test::tectl(dir.path(), {"search", "a", "--live", "--cached", kFound}).exit_code == 2);
}
