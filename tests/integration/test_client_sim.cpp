// The EPMM client and the configuration test against the real simulator over HTTPS.
#include <catch2/catch.hpp>

#include "support/simulator.hpp"
#include "tectl/config_test.hpp"
#include "tectl/epmm_client.hpp"
#include "tectl/log.hpp"

#include <chrono>

using namespace tectl;
using std::chrono::milliseconds;
using tectl::test::kSimPassword;
using tectl::test::kSimUser;
using tectl::test::SimConfig;
using tectl::test::SimOptions;
using tectl::test::Simulator;

namespace {

ConfigTestInput input_for(const Simulator& sim, std::string password = kSimPassword) {
    ConfigTestInput input;
    input.settings.host = sim.host();
    input.settings.port = sim.port();
    input.settings.user = kSimUser;
    input.settings.cacert = sim.ca_file().string();
    input.password = std::move(password);
    input.timeout = milliseconds(10000);
    return input;
}

std::vector<std::string> names(const ConfigTestRun& run) {
    std::vector<std::string> out;
    for (const auto& c : run.result.checks)
        out.push_back(c.name);
    return out;
}

const CheckResult& last(const ConfigTestRun& run) {
    return run.result.checks.back();
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// A client over libcurl with short retry waits, so retry tests stay fast.
epmm::Client client_for(const Simulator& sim, http::TransportOptions options = {}) {
    if (options.tls.cacert.empty())
        options.tls.cacert = sim.ca_file().string();
    epmm::ClientOptions client_options;
    client_options.retry.base_delay = milliseconds(20);
    client_options.retry.max_delay = milliseconds(100);
    return epmm::Client(http::make_curl_transport(options),
                        {sim.host(), sim.port(), kSimUser, kSimPassword}, client_options);
}

// Captures the log sink, with debug on, for one test.
struct LogCapture {
    std::vector<std::string> lines;
    LogCapture() {
        log::set_sink([this](log::Level, std::string_view text) { lines.emplace_back(text); });
        log::set_debug(true);
    }
    ~LogCapture() {
        log::set_debug(false);
        log::set_sink({});
    }
    bool any(const std::string& part) const {
        for (const auto& line : lines)
            if (contains(line, part))
                return true;
        return false;
    }
};

}  // namespace

TEST_CASE("sim client: a correct configuration passes every stage", "[sim-client]") {
    Simulator sim(SimConfig()
                      .space(1, "Global")
                      .space(2, "Sales")
                      .user(kSimUser, kSimPassword, {{1, true}, {2, true}}));
    auto run = run_config_test(input_for(sim));
    INFO(nlohmann::json(run.result).dump(2));
    CHECK(run.result.ok);
    CHECK(exit_code(run) == 0);
    CHECK(names(run) == std::vector<std::string>{"dns", "connect", "tls", "credentials", "spaces",
                                                 "device-read"});
    CHECK(run.result.epmm_version == "11.12.0.0");
    CHECK(contains(run.result.checks[2].detail, "trusted through the integration's CA bundle"));
    CHECK(contains(run.result.checks[4].detail, "\"Sales\" (2)"));
    CHECK(sim.request_count() == 4);  // ping, spaces, one device read per space
}

TEST_CASE("sim client: a wrong password fails credentials with exactly one request",
          "[sim-client]") {
    Simulator sim;
    auto run = run_config_test(input_for(sim, "not-the-password"));
    CHECK_FALSE(run.result.ok);
    CHECK(names(run) == std::vector<std::string>{"dns", "connect", "tls", "credentials"});
    CHECK(contains(last(run).detail, "EPMM rejected the user name or password"));
    CHECK(exit_code(run) == 4);
    auto log = sim.log_lines();
    REQUIRE(log.size() == 1);
    CHECK(log[0]["status"] == 401);
    CHECK(log[0]["authorization"] == true);
}

TEST_CASE("sim client: a UTF-8 password with ':' is accepted", "[sim-client]") {
    const std::string password = "Pä$$wörd€:1";
    Simulator sim(SimConfig().user(kSimUser, password, {{1, true}}));
    auto run = run_config_test(input_for(sim, password));
    CHECK(run.result.ok);
}

TEST_CASE("sim client: a user without the device role fails device-read, named", "[sim-client]") {
    for (int status : {403, 401}) {
        INFO("forbidden status " << status);
        Simulator sim(
            SimConfig().set("forbidden_status", status).user(kSimUser, kSimPassword, {{1, false}}));
        auto run = run_config_test(input_for(sim));
        CHECK_FALSE(run.result.ok);
        CHECK(last(run).name == "device-read");
        CHECK(contains(last(run).detail, "role or space missing"));
        CHECK(contains(last(run).detail, "\"Global\" (1)"));
        CHECK(contains(run.hint, "View device page, device details"));
        CHECK(exit_code(run) == 4);
    }
}

TEST_CASE("sim client: a user assigned to another space only is told so", "[sim-client]") {
    Simulator sim(
        SimConfig().space(1, "Global").space(2, "Sales").user(kSimUser, kSimPassword, {{2, true}}));
    auto input = input_for(sim);
    input.settings.spaces = {1};
    auto run = run_config_test(input);
    CHECK_FALSE(run.result.ok);
    CHECK(last(run).name == "spaces");
    CHECK(contains(last(run).detail, "not assigned to space 1"));
    CHECK(contains(last(run).detail, "\"Sales\" (2)"));
    CHECK(exit_code(run) == 4);

    // Asked directly, EPMM's refusal in space 1 is reported as role or space missing.
    auto client = client_for(sim);
    client.ping();
    epmm::DeviceQuery query;
    query.space = 1;
    query.fields = {"common.uuid"};
    try {
        client.devices(query);
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::auth);
        CHECK(contains(e.what(), "role or space missing"));
    }
}

TEST_CASE("sim client: TLS failures are told apart", "[sim-client]") {
    struct Case {
        std::string certificate;
        std::string cacert;  // in the test PKI; "" for the right CA
        std::string expected;
    };
    const std::vector<Case> cases = {
        {"chain.pem", "other-ca.pem", "not trusted"},
        {"wrong-name.pem", "", "wrong.example"},
        {"leaf-only.pem", "", "chain is incomplete"},
        {"expired.pem", "", "expired"},
    };
    for (const auto& c : cases) {
        INFO(c.certificate << " trusting " << (c.cacert.empty() ? "ca.pem" : c.cacert));
        SimOptions options;
        options.certificate = c.certificate;
        Simulator sim(SimConfig(), options);
        auto input = input_for(sim);
        if (!c.cacert.empty())
            input.settings.cacert = (tectl::test::test_pki_dir() / c.cacert).string();
        auto run = run_config_test(input);
        INFO(last(run).detail);
        CHECK_FALSE(run.result.ok);
        CHECK(last(run).name == "tls");
        CHECK(contains(last(run).detail, c.expected));
        CHECK(exit_code(run) == 5);
        CHECK(sim.request_count() == 0);  // no credentials went to an unverified server
    }
}

TEST_CASE("sim client: the transport classifies TLS failures by reason", "[sim-client]") {
    SimOptions options;
    options.certificate = "leaf-only.pem";
    Simulator sim(SimConfig(), options);
    auto client = client_for(sim);
    try {
        client.ping();
        FAIL("no error");
    } catch (const http::TransportError& e) {
        CHECK(e.reason() == http::FailureReason::tls_incomplete_chain);
    }
    http::TransportOptions other;
    other.tls.cacert = (tectl::test::test_pki_dir() / "other-ca.pem").string();
    auto distrusting = client_for(sim, other);
    try {
        distrusting.ping();
        FAIL("no error");
    } catch (const http::TransportError& e) {
        // The leaf alone, from an unknown CA: reported as the incomplete chain it looks like.
        CHECK(e.reason() == http::FailureReason::tls_incomplete_chain);
    }
    CHECK(sim.request_count() == 0);
}

TEST_CASE("sim client: insecure connects to an untrusted server and warns", "[sim-client]") {
    SimOptions options;
    options.certificate = "wrong-name.pem";
    Simulator sim(SimConfig(), options);
    LogCapture capture;
    auto input = input_for(sim);
    input.settings.cacert.clear();
    input.settings.insecure = true;
    auto run = run_config_test(input);
    CHECK(run.result.ok);
    CHECK(contains(run.result.checks[2].detail, "NOT verified"));
    CHECK(capture.any("verification is off"));
}

TEST_CASE("sim client: a server that never answers times out in time", "[sim-client]") {
    Simulator sim(SimConfig().fault({{"kind", "hang"}}));
    auto input = input_for(sim);
    input.timeout = milliseconds(2000);
    auto start = std::chrono::steady_clock::now();
    auto run = run_config_test(input);
    auto took = std::chrono::steady_clock::now() - start;
    CHECK_FALSE(run.result.ok);
    CHECK(last(run).name == "credentials");
    CHECK(contains(last(run).detail, "did not answer within 2 s"));
    CHECK(run.failure == ErrorKind::network);
    CHECK(exit_code(run) == 5);
    CHECK(took < std::chrono::seconds(6));
    CHECK(sim.request_count() == 1);  // a timeout is not retried
}

TEST_CASE("sim client: 429 with Retry-After, then success", "[sim-client]") {
    Simulator sim(SimConfig().fault({{"kind", "status"},
                                     {"status", 429},
                                     {"count", 1},
                                     {"retry_after", 1},
                                     {"body", "empty"}}));
    auto start = std::chrono::steady_clock::now();
    auto run = run_config_test(input_for(sim));
    auto took = std::chrono::steady_clock::now() - start;
    CHECK(run.result.ok);
    CHECK(took >= milliseconds(1000));  // Retry-After was honoured
    auto log = sim.log_lines();
    REQUIRE(log.size() >= 2);
    CHECK(log[0]["status"] == 429);
    CHECK(log[1]["status"] == 200);
    CHECK(log[1]["path"] == log[0]["path"]);
}

TEST_CASE("sim client: 503 twice, then success", "[sim-client]") {
    Simulator sim(SimConfig().fault({{"kind", "status"}, {"status", 503}, {"count", 2}}));
    auto client = client_for(sim);
    CHECK(client.ping() == "11.12.0.0");
    CHECK(client.requests_sent() == 3);
    auto log = sim.log_lines();
    REQUIRE(log.size() == 3);
    CHECK(log[0]["status"] == 503);
    CHECK(log[1]["status"] == 503);
    CHECK(log[2]["status"] == 200);
}

TEST_CASE("sim client: an HTML 502 is summarised after the retries", "[sim-client]") {
    Simulator sim(SimConfig().fault({{"kind", "status"}, {"status", 502}, {"body", "html"}}));
    auto client = client_for(sim);
    try {
        client.ping();
        FAIL("no error");
    } catch (const Error& e) {
        std::string message = e.what();
        CHECK(e.kind() == ErrorKind::network);
        CHECK(contains(message, "502 Bad Gateway"));
        CHECK(contains(message, sim.host()));
        CHECK(contains(message, "after 4 attempts"));
        CHECK_FALSE(contains(message, "<"));
    }
    CHECK(sim.request_count() == 4);

    // And through the configuration test, with the real backoff.
    Simulator again(SimConfig().fault({{"kind", "status"}, {"status", 502}, {"body", "html"}}));
    auto run = run_config_test(input_for(again));
    CHECK(last(run).name == "credentials");
    CHECK(exit_code(run) == 5);
}

TEST_CASE("sim client: a redirect is refused, naming its target", "[sim-client]") {
    Simulator sim(SimConfig().fault({{"kind", "redirect"}}));
    auto client = client_for(sim);
    try {
        client.ping();
        FAIL("no error");
    } catch (const http::TransportError& e) {
        CHECK(e.reason() == http::FailureReason::redirect);
        CHECK(contains(e.what(), "epmm-elsewhere.example"));
    }
    CHECK(sim.request_count() == 1);
}

TEST_CASE("sim client: a redirected device query is named by its path, without the query",
          "[sim-client]") {
    Simulator sim(SimConfig().fault({{"kind", "redirect"}}));
    auto client = client_for(sim);
    epmm::DeviceQuery query;
    query.space = 1;
    query.fields = {"common.uuid", "common.model"};
    try {
        client.devices(query);
        FAIL("no error");
    } catch (const http::TransportError& e) {
        INFO(e.what());
        CHECK(e.reason() == http::FailureReason::redirect);
        CHECK(contains(e.what(), "redirected GET /api/v2/devices to epmm-elsewhere.example"));
        CHECK_FALSE(contains(e.what(), "?"));
        CHECK_FALSE(contains(e.what(), "common.model"));
    }
}

TEST_CASE("sim client: an oversized body is refused", "[sim-client]") {
    Simulator sim(SimConfig().fault({{"kind", "huge"}, {"bytes", 4 << 20}}));
    http::TransportOptions options;
    options.max_body_bytes = 1 << 20;
    auto client = client_for(sim, options);
    try {
        client.ping();
        FAIL("no error");
    } catch (const http::TransportError& e) {
        CHECK(e.reason() == http::FailureReason::too_large);
    }
}

TEST_CASE("sim client: truncated JSON and invalid UTF-8 do not crash", "[sim-client]") {
    Simulator sim(SimConfig()
                      .fault({{"kind", "truncate"}, {"path", "/api/v2/ping"}})
                      .fault({{"kind", "invalid_utf8"}, {"field", "common.model"}}));
    auto client = client_for(sim);
    try {
        client.ping();
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::network);
        CHECK(std::string(e.what()).find("before the document is complete") != std::string::npos);
    }
    epmm::DeviceQuery query;
    query.fields = {"common.uuid", "common.model"};
    query.limit = 5;
    auto page = client.devices(query);
    REQUIRE_FALSE(page.results.empty());
    for (const auto& device : page.results)
        CHECK_NOTHROW(device.dump());
}

TEST_CASE("sim client: -v logs each request on one reused connection, secrets redacted",
          "[sim-client]") {
    const std::string password = "v3ry-S3cret-pässword";
    Simulator sim(SimConfig().user(kSimUser, password, {{1, true}}));
    LogCapture capture;
    auto input = input_for(sim, password);
    auto run = run_config_test(input);
    REQUIRE(run.result.ok);

    std::string token = epmm::basic_token(kSimUser, password);
    for (const auto& line : capture.lines) {
        INFO(line);
        CHECK_FALSE(contains(line, password));
        CHECK_FALSE(contains(line, token));
    }
    CHECK(capture.any("TLS: trusting the integration's CA bundle"));
    CHECK(capture.any("proxy for 127.0.0.1"));
    CHECK(capture.any("GET /api/v2/ping -> 200"));
    CHECK(capture.any("GET /api/v2/device_spaces/mine -> 200"));
    CHECK(capture.any("connection reused"));
}
