// The simulator as a program: start-up line, bounded lifetime, exit paths.
#include <catch2/catch.hpp>

#include <regex>

#include "support/simulator.hpp"

using tectl::test::RunOptions;
using tectl::test::SimConfig;
using tectl::test::Simulator;

namespace {

std::vector<std::string> sim_argv(const std::vector<std::string>& extra) {
    const auto pki = tectl::test::test_pki_dir();
    std::vector<std::string> argv{TECTL_SIM_BINARY, "--cert", (pki / "chain.pem").string(), "--key",
                                  (pki / "key.pem").string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
}

}  // namespace

TEST_CASE("sim process: prints one listening line and stops after its lifetime") {
    RunOptions options;
    options.timeout = std::chrono::seconds(20);
    auto result = tectl::test::run(sim_argv({"--lifetime", "1"}), options);
    CHECK_FALSE(result.timed_out);
    CHECK(result.exit_code == 0);
    CHECK(std::regex_match(result.out, std::regex("listening on 127\\.0\\.0\\.1:[0-9]+\n")));
    CHECK(result.elapsed >= std::chrono::milliseconds(900));
}

TEST_CASE("sim process: --exit-on-stdin-eof stops when standard input closes") {
    RunOptions options;
    options.stdin_data = "";
    options.timeout = std::chrono::seconds(20);
    auto result = tectl::test::run(sim_argv({"--lifetime", "60", "--exit-on-stdin-eof"}), options);
    CHECK_FALSE(result.timed_out);
    CHECK(result.exit_code == 0);
    CHECK(result.elapsed < std::chrono::seconds(10));
}

TEST_CASE("sim process: SIGTERM stops it promptly, even with a request hanging") {
    Simulator sim(SimConfig().fault({{"kind", "hang"}}));
    CHECK(sim.get("/api/v2/ping", tectl::test::SimCredentials(), std::chrono::milliseconds(200))
              .status == 0);
    auto started = std::chrono::steady_clock::now();
    CHECK(sim.stop() == 0);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(4));
}

TEST_CASE("sim process: bad options and configurations exit with status 2") {
    tectl::test::TempDir dir;
    tectl::test::write_file(dir / "typo.json", R"({"users": [{"user": "a", "pasword": "b"}]})");
    auto typo = tectl::test::run(sim_argv({"--config", (dir / "typo.json").string()}));
    CHECK(typo.exit_code == 2);
    CHECK(typo.err.find("pasword") != std::string::npos);

    tectl::test::write_file(dir / "broken.json", "{");
    CHECK(tectl::test::run(sim_argv({"--config", (dir / "broken.json").string()})).exit_code == 2);
    CHECK(tectl::test::run(sim_argv({"--port", "x"})).exit_code == 2);
    CHECK(tectl::test::run({TECTL_SIM_BINARY, "--port", "0"}).exit_code == 2);
}

TEST_CASE("sim process: an unreadable certificate exits with status 1") {
    auto result = tectl::test::run(
        {TECTL_SIM_BINARY, "--cert", "/nonexistent.pem", "--key", "/nonexistent.pem"});
    CHECK(result.exit_code == 1);
    CHECK(result.err.find("certificate") != std::string::npos);
}

TEST_CASE("sim process: counting among a million devices stays cheap") {
    Simulator sim(SimConfig().devices(1, 1000000));
    auto started = std::chrono::steady_clock::now();
    auto all = sim.get("/api/v2/devices/count?adminDeviceSpaceId=1&query=");
    auto some = sim.get("/api/v2/devices/count?adminDeviceSpaceId=1&query=" +
                        tectl::test::url_encode("common.platform=\"iOS\""));
    auto elapsed = std::chrono::steady_clock::now() - started;
    REQUIRE(all.status == 200);
    CHECK(all.json()["totalCount"] == 1000000);
    const int ios = some.json()["totalCount"];
    CHECK(ios > 450000);
    CHECK(ios < 550000);
    CHECK(elapsed < std::chrono::seconds(10));
}
