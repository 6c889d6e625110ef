#include <catch2/catch.hpp>

#include "support/fake_transport.hpp"
#include "tectl/config_test.hpp"

#include <map>

using namespace tectl;
using tectl::test::FakeTransport;
using tectl::test::response;
using tectl::test::TransportLog;

namespace {

const std::string ping_ok = R"({"results":{"apiVersion":2.0,"vspVersion":"11.12.0.0"}})";

// Answers by path: `answers` maps "/api/v2/ping" etc. (query stripped) to a response.
struct Api {
    std::shared_ptr<TransportLog> log = std::make_shared<TransportLog>();
    std::map<std::string, http::Response> answers;
    std::unique_ptr<epmm::Client> client;

    void start() {
        epmm::ClientOptions options;
        options.sleep = [](std::chrono::milliseconds) {};
        client = std::make_unique<epmm::Client>(
            std::make_unique<FakeTransport>(log,
                                            [this](const http::Request&, std::size_t i) {
                                                std::string target = log->target(i);
                                                target = target.substr(0, target.find('?'));
                                                auto it = answers.find(target);
                                                return it == answers.end() ? response(404, "")
                                                                           : it->second;
                                            }),
            epmm::Endpoint{"epmm.example.com", 443, "duo-api@example.com", "pw"}, options);
    }
};

std::vector<std::string> names(const ConfigTestRun& run) {
    std::vector<std::string> out;
    for (const auto& c : run.result.checks)
        out.push_back(c.name);
    return out;
}

}  // namespace

TEST_CASE("config test: the API stages pass and read one device per space", "[config-test]") {
    Api api;
    api.answers["/api/v2/ping"] = response(200, ping_ok);
    api.answers["/api/v2/device_spaces/mine"] =
        response(200, R"({"results":[{"id":1,"name":"Global"},{"id":7,"name":"Sales"}]})");
    api.answers["/api/v2/devices"] =
        response(200, R"({"results":[{"common.uuid":"x"}],"totalCount":12,"hasMore":true})");
    api.start();

    ConfigTestRun run;
    CHECK(run_api_checks(*api.client, {}, run));
    CHECK(names(run) == std::vector<std::string>{"credentials", "spaces", "device-read"});
    CHECK(run.result.epmm_version == "11.12.0.0");
    CHECK_FALSE(run.failure);
    CHECK(run.result.checks[1].detail.find("\"Sales\" (7)") != std::string::npos);
    REQUIRE(api.log->requests.size() == 4);
    CHECK(api.log->target(2) ==
          "/api/v2/devices?adminDeviceSpaceId=1&query=&fields=common.uuid"
          "&limit=1&offset=0");
    CHECK(api.log->target(3).starts_with("/api/v2/devices?adminDeviceSpaceId=7&"));
}

TEST_CASE("config test: a wrong password stops at credentials after one request", "[config-test]") {
    Api api;
    api.answers["/api/v2/ping"] = response(401, "");
    api.start();

    ConfigTestRun run;
    CHECK_FALSE(run_api_checks(*api.client, {}, run));
    CHECK(names(run) == std::vector<std::string>{"credentials"});
    CHECK_FALSE(run.result.checks[0].ok);
    CHECK(run.result.checks[0].detail.find("rejected the user name or password") !=
          std::string::npos);
    CHECK(run.failure == ErrorKind::auth);
    CHECK(api.log->requests.size() == 1);

    run.result.ok = false;
    CHECK(exit_code(run) == 4);
}

TEST_CASE("config test: a missing role fails device-read naming the space", "[config-test]") {
    Api api;
    api.answers["/api/v2/ping"] = response(200, ping_ok);
    api.answers["/api/v2/device_spaces/mine"] =
        response(200, R"({"results":[{"id":1,"name":"Global"}]})");
    api.answers["/api/v2/devices"] = response(403, "<html><title>Forbidden</title></html>");
    api.start();

    ConfigTestRun run;
    CHECK_FALSE(run_api_checks(*api.client, {}, run));
    CHECK(names(run) == std::vector<std::string>{"credentials", "spaces", "device-read"});
    CHECK(run.result.checks[2].detail.find("role or space missing") != std::string::npos);
    CHECK(run.result.checks[2].detail.find("\"Global\" (1)") != std::string::npos);
    CHECK(run.failure == ErrorKind::auth);
    CHECK(run.hint.find("Assign to Space") != std::string::npos);
}

TEST_CASE("config test: a configured space the user lacks fails the spaces stage",
          "[config-test]") {
    Api api;
    api.answers["/api/v2/ping"] = response(200, ping_ok);
    api.answers["/api/v2/device_spaces/mine"] =
        response(200, R"({"results":[{"id":7,"name":"Sales"}]})");
    api.start();

    ConfigTestRun run;
    CHECK_FALSE(run_api_checks(*api.client, {1}, run));
    CHECK(names(run) == std::vector<std::string>{"credentials", "spaces"});
    CHECK(run.result.checks[1].detail.find("not assigned to space 1") != std::string::npos);
    CHECK(run.result.checks[1].detail.find("\"Sales\" (7)") != std::string::npos);
    CHECK(run.failure == ErrorKind::auth);
}

TEST_CASE("config test: a user with no space fails the spaces stage", "[config-test]") {
    Api api;
    api.answers["/api/v2/ping"] = response(200, ping_ok);
    api.answers["/api/v2/device_spaces/mine"] = response(200, R"({"results":[]})");
    api.start();

    ConfigTestRun run;
    CHECK_FALSE(run_api_checks(*api.client, {}, run));
    CHECK(run.failure == ErrorKind::auth);
}

TEST_CASE("config test: a server error at ping is a network failure", "[config-test]") {
    Api api;
    api.answers["/api/v2/ping"] = response(502, "<html><title>Bad Gateway</title></html>");
    api.start();

    ConfigTestRun run;
    CHECK_FALSE(run_api_checks(*api.client, {}, run));
    CHECK(run.failure == ErrorKind::network);
    CHECK(exit_code(run) == 5);
}

TEST_CASE("config test: exit codes follow the failure kind", "[config-test]") {
    ConfigTestRun run;
    run.result.ok = true;
    CHECK(exit_code(run) == 0);
    run.result.ok = false;
    run.failure = ErrorKind::network;
    CHECK(exit_code(run) == 5);
    run.failure = ErrorKind::auth;
    CHECK(exit_code(run) == 4);
    run.failure.reset();
    CHECK(exit_code(run) == 1);
}

TEST_CASE("config test: an unresolvable host stops at dns", "[config-test]") {
    ConfigTestInput input;
    input.settings.host = "no-such-host.invalid";
    input.settings.user = "duo-api@example.com";
    input.password = "pw";
    input.timeout = std::chrono::milliseconds(5000);
    auto run = run_config_test(input);
    CHECK_FALSE(run.result.ok);
    REQUIRE(run.result.checks.size() == 1);
    CHECK(run.result.checks[0].name == "dns");
    CHECK(run.failure == ErrorKind::network);
    CHECK(exit_code(run) == 5);
    CHECK(run.result.time.size() == 20);
}

TEST_CASE("config test: a closed port stops at connect", "[config-test]") {
    ConfigTestInput input;
    input.settings.host = "127.0.0.1";
    input.settings.port = 1;
    input.settings.user = "duo-api@example.com";
    input.timeout = std::chrono::milliseconds(5000);
    auto run = run_config_test(input);
    CHECK_FALSE(run.result.ok);
    REQUIRE(run.result.checks.size() == 2);
    CHECK(run.result.checks[0].ok);
    CHECK(run.result.checks[1].name == "connect");
    CHECK(run.result.checks[1].detail.find("refused") != std::string::npos);
    CHECK(run.failure == ErrorKind::network);
}
