// Faults the simulator injects on demand, so the client's error handling can be tested.
#include <catch2/catch.hpp>

#include "support/simulator.hpp"

using tectl::test::RunResult;
using tectl::test::SimConfig;
using tectl::test::SimOptions;
using tectl::test::Simulator;
using Json = nlohmann::json;

namespace {

const std::string kDevices = "/api/v2/devices?adminDeviceSpaceId=1&fields=common.id&query=";

// Runs curl against the simulator with the default credentials given on stdin, not argv.
RunResult curl(const Simulator& sim, const std::string& target,
               const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv{"/usr/bin/curl",       "-sS", "-K", "-", "--cacert",
                                  sim.ca_file().string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(sim.base_url() + target);
    tectl::test::RunOptions options;
    options.stdin_data =
        std::string("user = \"") + tectl::test::kSimUser + ":" + tectl::test::kSimPassword + "\"\n";
    options.timeout = std::chrono::seconds(30);
    return tectl::test::run(argv, options);
}

}  // namespace

TEST_CASE("sim fault: delay holds every response back") {
    Simulator sim(SimConfig().fault({{"kind", "delay"}, {"ms", 300}}));
    auto started = std::chrono::steady_clock::now();
    CHECK(sim.get("/api/v2/ping").status == 200);
    CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(300));
}

TEST_CASE("sim fault: --delay-ms on the command line delays too") {
    SimOptions options;
    options.extra_args = {"--delay-ms", "250"};
    Simulator sim(SimConfig(), options);
    auto started = std::chrono::steady_clock::now();
    CHECK(sim.get("/api/v2/ping").status == 200);
    CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(250));
}

TEST_CASE("sim fault: hang accepts the request and never answers") {
    Simulator sim(SimConfig().fault({{"kind", "hang"}, {"path", "/api/v2/devices"}}));
    auto started = std::chrono::steady_clock::now();
    auto reply = sim.get(kDevices, tectl::test::SimCredentials(), std::chrono::milliseconds(600));
    CHECK(reply.status == 0);
    CHECK_FALSE(reply.error.empty());
    CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(500));

    // Other paths still answer while one request hangs.
    CHECK(sim.get("/api/v2/ping").status == 200);
    auto log = sim.log_lines();
    REQUIRE(log.size() == 2);
    CHECK(log[0]["fault"] == "hang");
    CHECK(log[0]["status"] == 0);
}

TEST_CASE("sim fault: 429 for the first requests, with and without Retry-After") {
    Simulator sim(SimConfig()
                      .fault({{"kind", "status"},
                              {"status", 429},
                              {"count", 1},
                              {"retry_after", 2},
                              {"body", "json"}})
                      .fault({{"kind", "status"}, {"status", 429}, {"count", 1}}));
    auto first = sim.get("/api/v2/ping");
    CHECK(first.status == 429);
    CHECK(first.header("Retry-After") == "2");
    CHECK(first.json()["messages"][0]["localizedMessage"] == "Too Many Requests");

    auto second = sim.get("/api/v2/ping");
    CHECK(second.status == 429);
    CHECK_FALSE(second.has_header("Retry-After"));

    CHECK(sim.get("/api/v2/ping").status == 200);
    CHECK(sim.request_count() == 3);
}

TEST_CASE("sim fault: 503 with Retry-After, then service resumes") {
    SimOptions options;
    options.extra_args = {"--fault", "status,status=503,count=2,retry_after=1"};
    Simulator sim(SimConfig(), options);
    for (int i = 0; i < 2; ++i) {
        auto reply = sim.get("/api/v2/ping");
        CHECK(reply.status == 503);
        CHECK(reply.header("Retry-After") == "1");
    }
    CHECK(sim.get("/api/v2/ping").status == 200);
}

TEST_CASE("sim fault: 502 comes with an HTML page") {
    Simulator sim(SimConfig().fault({{"kind", "status"}, {"status", 502}}));
    auto reply = sim.get("/api/v2/ping");
    CHECK(reply.status == 502);
    CHECK(reply.header("Content-Type").rfind("text/html", 0) == 0);
    CHECK(reply.body.find("<html>") != std::string::npos);
    CHECK_THROWS(Json::parse(reply.body));
}

TEST_CASE("sim fault: faults can be limited to one path") {
    Simulator sim(
        SimConfig().fault({{"kind", "status"}, {"status", 503}, {"path", "/api/v2/devices"}}));
    CHECK(sim.get("/api/v2/ping").status == 200);
    CHECK(sim.get(kDevices).status == 503);
    CHECK(sim.get("/api/v2/devices/count?adminDeviceSpaceId=1").status == 200);
}

TEST_CASE("sim fault: truncate sends half a JSON body with a matching length") {
    Simulator sim(SimConfig().fault({{"kind", "truncate"}, {"path", "/api/v2/devices"}}));
    auto reply = sim.get(kDevices);
    CHECK(reply.status == 200);
    CHECK(reply.body.rfind("{\"", 0) == 0);
    CHECK_THROWS(Json::parse(reply.body));
    CHECK(sim.log_lines().at(0)["fault"] == "truncate");
}

TEST_CASE("sim fault: reset drops the connection in the middle of the body") {
    Simulator sim(SimConfig().fault({{"kind", "reset"}}));
    CHECK(sim.get("/api/v2/ping").status == 0);
    auto result = curl(sim, "/api/v2/ping");
    CHECK(result.exit_code == 56);  // curl: failure receiving network data
    CHECK(result.err.find("reset") != std::string::npos);
}

TEST_CASE("sim fault: huge sends a 100 MB body") {
    Simulator sim(SimConfig().fault({{"kind", "huge"}}));
    auto result =
        curl(sim, "/api/v2/ping", {"-o", "/dev/null", "-w", "%{http_code} %{size_download}"});
    CHECK(result.exit_code == 0);
    CHECK(result.out == "200 104857600");
}

TEST_CASE("sim fault: a huge body of a chosen size is valid JSON") {
    Simulator sim(SimConfig().fault({{"kind", "huge"}, {"bytes", 5000}}));
    auto reply = sim.get("/api/v2/ping");
    REQUIRE(reply.status == 200);
    CHECK(reply.body.size() == 5000);
    CHECK(Json::parse(reply.body)["results"].empty());
}

TEST_CASE("sim fault: endless trickles a body that never ends") {
    Simulator sim(SimConfig().fault({{"kind", "endless"}, {"interval_ms", 100}}));
    auto result = curl(sim, "/api/v2/ping", {"--max-time", "1"});
    CHECK(result.exit_code == 28);  // curl: timed out
    CHECK(result.out.rfind("{\"results\":[ ", 0) == 0);
}

TEST_CASE("sim fault: invalid_utf8 puts bad bytes into a device field") {
    Simulator sim(SimConfig().fault({{"kind", "invalid_utf8"}}));
    auto reply =
        sim.get("/api/v2/devices?adminDeviceSpaceId=1&fields=common.id,common.model&query=");
    REQUIRE(reply.status == 200);
    CHECK(reply.body.find("\xC3\x28") != std::string::npos);
    CHECK_THROWS(Json::parse(reply.body));
}

TEST_CASE("sim fault: redirect points at another host") {
    Simulator sim(SimConfig().fault({{"kind", "redirect"}, {"location", "https://evil.example"}}));
    auto reply = sim.get("/api/v2/ping");
    CHECK(reply.status == 302);
    CHECK(reply.header("Location") == "https://evil.example/api/v2/ping");
}

TEST_CASE("sim fault: ignore_offset always returns the first page") {
    Simulator sim(SimConfig().devices(1, 30).fault({{"kind", "ignore_offset"}}));
    auto reply = sim.get(kDevices + "&limit=10&offset=20");
    REQUIRE(reply.status == 200);
    auto body = reply.json();
    CHECK(body["results"][0]["common.id"] == 1);
    CHECK(body["hasMore"] == true);
}

TEST_CASE("sim fault: an unknown fault kind stops the simulator from starting") {
    SimOptions options;
    options.extra_args = {"--fault", "explode"};
    CHECK_THROWS_WITH(Simulator(SimConfig(), options), Catch::Contains("unknown fault kind"));
}
