#include <catch2/catch.hpp>

#include "support/fake_transport.hpp"
#include "tectl/epmm_client.hpp"
#include "tectl/error.hpp"
#include "tectl/log.hpp"

#include <nlohmann/json.hpp>

using namespace tectl;
using std::chrono::milliseconds;
using tectl::test::FakeTransport;
using tectl::test::response;
using tectl::test::scripted;
using tectl::test::TransportLog;

namespace {

const std::string ping_ok = R"({"results":{"apiVersion":2.0,"vspVersion":"11.12.0.0"}})";
const std::string spaces_ok =
    R"({"results":[{"id":1,"name":"Global","priority":0},{"id":7,"name":"Sales"}]})";

epmm::Endpoint endpoint(std::string password = "Pä$$wörd€:1") {
    return {"epmm.example.com", 443, "duo-api@example.com", std::move(password)};
}

// A client over a fake transport that never really sleeps; `slept` collects the waits.
struct Harness {
    std::shared_ptr<TransportLog> log = std::make_shared<TransportLog>();
    std::vector<milliseconds> slept;
    std::unique_ptr<epmm::Client> client;

    explicit Harness(FakeTransport::Handler handler, epmm::Endpoint ep = endpoint()) {
        epmm::ClientOptions options;
        options.random = [] { return 0.5; };
        options.sleep = [this](milliseconds d) { slept.push_back(d); };
        client = std::make_unique<epmm::Client>(
            std::make_unique<FakeTransport>(log, std::move(handler)), std::move(ep), options);
    }
};

Error thrown_by(const std::function<void()>& call) {
    try {
        call();
    } catch (const Error& e) {
        return e;
    }
    FAIL("no tectl::Error thrown");
    return Error(ErrorKind::failure, "unreachable");
}

}  // namespace

TEST_CASE("client: Basic credentials in UTF-8 go on the first request", "[epmm]") {
    CHECK(epmm::basic_token("duo-api@example.com", "Pä$$wörd€:1") ==
          "ZHVvLWFwaUBleGFtcGxlLmNvbTpQw6QkJHfDtnJk4oKsOjE=");
    CHECK(epmm::basic_token("a", "") == "YTo=");
    CHECK(epmm::basic_token("ab", "c") == "YWI6Yw==");

    Harness h(scripted({response(200, ping_ok)}));
    CHECK(h.client->ping() == "11.12.0.0");
    REQUIRE(h.log->requests.size() == 1);
    CHECK(h.log->target(0) == "/api/v2/ping");
    CHECK(h.log->requests[0].url == "https://epmm.example.com/api/v2/ping");
    CHECK(h.log->header(0, "Authorization") ==
          "Basic ZHVvLWFwaUBleGFtcGxlLmNvbTpQw6QkJHfDtnJk4oKsOjE=");
}

TEST_CASE("client: a user name with ':' is refused before any request", "[epmm]") {
    auto log = std::make_shared<TransportLog>();
    auto error = thrown_by([&] {
        epmm::Client client(std::make_unique<FakeTransport>(log, scripted({response(200, "")})),
                            {"epmm.example.com", 443, "bad:user", "pw"});
    });
    CHECK(error.kind() == ErrorKind::usage);
    CHECK(log->requests.empty());
}

TEST_CASE("client: a wrong password is one request, never retried", "[epmm]") {
    Harness h(scripted({response(401, "")}));
    auto error = thrown_by([&] { h.client->ping(); });
    CHECK(error.kind() == ErrorKind::auth);
    CHECK(std::string(error.what()).find("EPMM rejected the user name or password") !=
          std::string::npos);
    CHECK(h.log->requests.size() == 1);
    CHECK(h.client->requests_sent() == 1);
    CHECK(h.slept.empty());
}

TEST_CASE("client: 401 with Retry-After and 403 are not retried either", "[epmm]") {
    Harness h(scripted({response(401, "", {{"retry-after", "1"}})}));
    CHECK_THROWS_AS(h.client->ping(), Error);
    CHECK(h.log->requests.size() == 1);

    Harness forbidden(scripted({response(403, R"({"localizedMessage":"No API role"})")}));
    auto error = thrown_by([&] { forbidden.client->ping(); });
    CHECK(error.kind() == ErrorKind::auth);
    CHECK(std::string(error.what()).find("No API role") != std::string::npos);
    CHECK(forbidden.log->requests.size() == 1);
}

TEST_CASE("client: 503 then success is retried after a backoff", "[epmm]") {
    Harness h(
        scripted({response(503, "<html><title>busy</title></html>"), response(200, ping_ok)}));
    CHECK(h.client->ping() == "11.12.0.0");
    CHECK(h.log->requests.size() == 2);
    REQUIRE(h.slept.size() == 1);
    CHECK(h.slept[0] == milliseconds(375));  // 500 ms backoff, jitter 0.5 -> [250, 500]
}

TEST_CASE("client: 429 with Retry-After waits what the server asks", "[epmm]") {
    Harness h(scripted({response(429, "", {{"retry-after", "2"}}), response(200, ping_ok)}));
    CHECK(h.client->ping() == "11.12.0.0");
    CHECK(h.log->requests.size() == 2);
    REQUIRE(h.slept.size() == 1);
    CHECK(h.slept[0] == milliseconds(2000));
}

TEST_CASE("client: a long Retry-After ends the retries and is reported", "[epmm]") {
    Harness h(scripted({response(429, "", {{"retry-after", "3600"}})}));
    auto error = thrown_by([&] { h.client->ping(); });
    CHECK(error.kind() == ErrorKind::network);
    CHECK(std::string(error.what()).find("3600") != std::string::npos);
    CHECK(h.log->requests.size() == 1);
}

TEST_CASE("client: a Retry-After date far ahead ends the retries, reported in seconds", "[epmm]") {
    Harness h(scripted({response(429, "", {{"retry-after", "Fri, 01 Jan 2100 00:00:00 GMT"}})}));
    auto error = thrown_by([&] { h.client->ping(); });
    std::string message = error.what();
    CHECK(error.kind() == ErrorKind::network);
    CHECK(h.log->requests.size() == 1);
    CHECK(h.slept.empty());
    INFO(message);
    CHECK(message.find(", asking to wait ") != std::string::npos);
    CHECK(message.find(" s") != std::string::npos);
    CHECK(message.find("GMT") == std::string::npos);  // the wait, not the header's text
    CHECK(message.find("limits the request rate (429)") != std::string::npos);  // once, not "keeps"
    CHECK(message.find("tectl waits at most 30 s") != std::string::npos);
    CHECK(std::string(error.hint()).find("run the command again in ") != std::string::npos);
}

TEST_CASE("client: a 503 whose Retry-After is too long says how long it asked", "[epmm]") {
    Harness h(scripted({response(503, "", {{"retry-after", "3600"}})}));
    auto error = thrown_by([&] { h.client->ping(); });
    std::string message = error.what();
    INFO(message);
    CHECK(error.kind() == ErrorKind::network);
    CHECK(message.find("503") != std::string::npos);
    CHECK(message.find("asking to wait 3600 s") != std::string::npos);
    CHECK(h.log->requests.size() == 1);
}

TEST_CASE("client: 5xx after every retry names the host and status", "[epmm]") {
    std::string page =
        "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
        "<body><pre>" +
        std::string(5000, 'x') + "</pre></body></html>";
    Harness h(scripted({response(502, page, {{"content-type", "text/html"}})}));
    auto error = thrown_by([&] { h.client->ping(); });
    std::string message = error.what();
    CHECK(error.kind() == ErrorKind::network);
    CHECK(message.find("epmm.example.com") != std::string::npos);
    CHECK(message.find("502") != std::string::npos);
    CHECK(message.find("after 4 attempts") != std::string::npos);
    CHECK(message.find("<pre>") == std::string::npos);  // the page is summarised, not dumped
    CHECK(message.size() < 300);
    CHECK(h.log->requests.size() == 4);
    CHECK(h.slept.size() == 3);
}

TEST_CASE("client: 500 is not retried", "[epmm]") {
    Harness h(scripted({response(500, "boom")}));
    auto error = thrown_by([&] { h.client->ping(); });
    CHECK(error.kind() == ErrorKind::network);
    CHECK(h.log->requests.size() == 1);
}

TEST_CASE("client: a failed connect is retried, a timeout is not", "[epmm]") {
    int calls = 0;
    Harness h([&](const http::Request&, std::size_t) -> http::Response {
        if (++calls == 1)
            throw http::TransportError(http::FailureReason::connect, "cannot connect");
        return response(200, ping_ok);
    });
    CHECK(h.client->ping() == "11.12.0.0");
    CHECK(h.log->requests.size() == 2);

    Harness slow([&](const http::Request&, std::size_t) -> http::Response {
        throw http::TransportError(http::FailureReason::timeout, "no answer");
    });
    try {
        slow.client->ping();
        FAIL("no error");
    } catch (const http::TransportError& e) {
        CHECK(e.reason() == http::FailureReason::timeout);
        CHECK(e.kind() == ErrorKind::network);
    }
    CHECK(slow.log->requests.size() == 1);
}

TEST_CASE("client: device queries are percent-encoded", "[epmm]") {
    Harness h(scripted({response(200, R"({"results":[],"totalCount":0,"hasMore":false})")}));
    epmm::DeviceQuery query;
    query.space = 7;
    query.query = R"("common.uuid"="3a45b4d5-d2e5-468c-bf4f-149efff463a9")";
    query.fields = {"common.uuid", "ios.iPhone UDID"};
    query.limit = 200;
    query.offset = 400;
    auto page = h.client->devices(query);
    CHECK(page.results.empty());
    CHECK_FALSE(page.has_more);
    CHECK(h.log->target(0) ==
          "/api/v2/devices?adminDeviceSpaceId=7"
          "&query=%22common.uuid%22%3D%223a45b4d5-d2e5-468c-bf4f-149efff463a9%22"
          "&fields=common.uuid%2Cios.iPhone%20UDID&limit=200&offset=400"
          "&sortField=common.id&sortOrder=ASC");
}

TEST_CASE("client: a device page is read and hasMore derived when absent", "[epmm]") {
    Harness h(scripted(
        {response(200, R"({"results":[{"common.uuid":"a","common.id":42},{"common.uuid":"b"}],
                 "totalCount":5,"resultCount":2})")}));
    epmm::DeviceQuery query;
    query.fields = {"common.uuid"};
    query.limit = 2;
    auto page = h.client->devices(query);
    REQUIRE(page.results.size() == 2);
    CHECK(page.results[0]["common.id"] == 42);
    CHECK(page.total_count == 5);
    CHECK(page.has_more);
}

TEST_CASE("client: bad device queries are refused before sending", "[epmm]") {
    Harness h(scripted({response(200, "{}")}));
    epmm::DeviceQuery query;
    query.fields = {"common.uuid"};
    query.limit = 201;
    CHECK(thrown_by([&] { h.client->devices(query); }).kind() == ErrorKind::usage);
    query.limit = 10;
    query.query = std::string(256, 'x');
    CHECK(thrown_by([&] { h.client->devices(query); }).kind() == ErrorKind::usage);
    CHECK(h.log->requests.empty());
}

TEST_CASE("client: 400 is a usage error carrying EPMM's message", "[epmm]") {
    Harness h(scripted({response(400, R"({"messages":[{"type":"Error",
        "messageKey":"com.mobileiron.vsp.messages.http.400",
        "localizedMessage":"Invalid field: common.bogus"}]})")}));
    epmm::DeviceQuery query;
    query.fields = {"common.bogus"};
    auto error = thrown_by([&] { h.client->devices(query); });
    CHECK(error.kind() == ErrorKind::usage);
    CHECK(std::string(error.what()).find("Invalid field: common.bogus") != std::string::npos);
    CHECK(h.log->requests.size() == 1);
}

TEST_CASE("client: 401 or 403 on devices after a good ping means role or space missing", "[epmm]") {
    for (long status : {401L, 403L}) {
        INFO(status);
        Harness h(
            scripted({response(200, ping_ok), response(200, spaces_ok), response(status, "")}));
        h.client->ping();
        h.client->my_spaces();
        epmm::DeviceQuery query;
        query.space = 7;
        query.fields = {"common.uuid"};
        auto error = thrown_by([&] { h.client->devices(query); });
        std::string message = error.what();
        CHECK(error.kind() == ErrorKind::auth);
        CHECK(message.find("role or space missing") != std::string::npos);
        CHECK(message.find("\"Sales\" (7)") != std::string::npos);
        CHECK(error.hint().find("View device page, device details") != std::string::npos);
        CHECK(h.log->requests.size() == 3);
    }
}

TEST_CASE("client: spaces are read, with ids as numbers or digit strings", "[epmm]") {
    Harness h(scripted({response(200, R"({"results":[{"id":1,"name":"Global"},{"id":"7"}]})")}));
    auto spaces = h.client->my_spaces();
    REQUIRE(spaces.size() == 2);
    CHECK(spaces[0].id == 1);
    CHECK(spaces[0].name == "Global");
    CHECK(spaces[1].id == 7);
    CHECK(spaces[1].name.empty());
}

TEST_CASE("client: answers of the wrong shape are clear failures, not crashes", "[epmm]") {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"/ping", "not json at all"},
        {"/ping", R"({"results":[1,2]})"},
        {"/ping", R"({"results":{"vspVersion":{"x":1}}})"},
        {"/ping", "[]"},
        {"/ping", R"({"results":{"vspVersion":"11"}} trailing)"},
        {"/spaces", R"({"results":{"id":1}})"},
        {"/spaces", R"({"results":[{"name":"no id"}]})"},
        {"/spaces", R"({"results":[{"id":true}]})"},
        {"/devices", R"({"results":"none","totalCount":0})"},
        {"/devices", R"({"results":[],"totalCount":"many"})"},
        {"/devices", R"({"results":[42],"totalCount":1})"},
        {"/count", R"({"total":3})"},
    };
    for (const auto& [call, body] : cases) {
        INFO(call << " " << body);
        Harness h(scripted({response(200, body)}));
        epmm::DeviceQuery query;
        query.fields = {"common.uuid"};
        auto error = thrown_by([&] {
            if (call == "/ping")
                h.client->ping();
            if (call == "/spaces")
                h.client->my_spaces();
            if (call == "/devices")
                h.client->devices(query);
            if (call == "/count")
                h.client->count(1, "");
        });
        CHECK(error.kind() == ErrorKind::failure);
        CHECK(std::string(error.what()).find("epmm.example.com") != std::string::npos);
    }
}

TEST_CASE("client: JSON that stops before its end is a network error that says so", "[epmm]") {
    for (std::string body : std::vector<std::string>{R"({"results":{"vspVersion":"11)",
                                                     R"({"results":[{"id":1},)", "  ["}) {
        INFO(body);
        Harness h(scripted({response(200, body)}));
        auto error = thrown_by([&] { h.client->ping(); });
        CHECK(error.kind() == ErrorKind::network);
        CHECK(std::string(error.what()).find("before the document is complete") !=
              std::string::npos);
    }
    // Text that is not JSON from its first byte stays a failure: a login page, not a cut.
    for (std::string body :
         std::vector<std::string>{"<html><body>Sign in", "Service temporarily unavail"}) {
        Harness h(scripted({response(200, body)}));
        CHECK(thrown_by([&] { h.client->ping(); }).kind() == ErrorKind::failure);
    }
}

TEST_CASE("client: invalid UTF-8 in device fields does not throw when dumped", "[epmm]") {
    Harness h(scripted(
        {response(200,
                  "{\"results\":[{\"common.uuid\":\"a\",\"common.model\":\"Pixel\xff\xfe\"}],"
                  "\"totalCount\":1,\"hasMore\":false}")}));
    epmm::DeviceQuery query;
    query.fields = {"common.uuid", "common.model"};
    auto page = h.client->devices(query);
    REQUIRE(page.results.size() == 1);
    CHECK_NOTHROW(page.results[0].dump());
    CHECK(page.results[0]["common.model"].get<std::string>().starts_with("Pixel"));
}

TEST_CASE("client: count reads totalCount", "[epmm]") {
    Harness h(scripted({response(200, R"({"totalCount":1234})")}));
    CHECK(h.client->count(1, R"("common.platform"="Android")") == 1234);
    CHECK(h.log->target(0) ==
          "/api/v2/devices/count?adminDeviceSpaceId=1&query=%22common.platform%22%3D%22Android%22");
}

TEST_CASE("client: another API prefix and port are used as given", "[epmm]") {
    epmm::Endpoint ep = endpoint();
    ep.port = 8443;
    ep.api_prefix = "/rest/api/v2";
    Harness h(scripted({response(200, ping_ok)}), ep);
    h.client->ping();
    CHECK(h.log->requests[0].url == "https://epmm.example.com:8443/rest/api/v2/ping");
}

TEST_CASE("redaction: the password and the Basic token never reach the log sink", "[epmm][log]") {
    std::vector<std::string> lines;
    log::set_sink([&](log::Level, std::string_view text) { lines.emplace_back(text); });
    log::set_debug(true);

    const std::string password = "Zq9!unique-secret€";
    Harness h(scripted({response(503, ""), response(401, "")}), endpoint(password));
    CHECK_THROWS_AS(h.client->ping(), Error);
    std::string token = epmm::basic_token("duo-api@example.com", password);
    REQUIRE(h.log->header(0, "Authorization") == "Basic " + token);  // it was really sent

    // Whatever a caller logs, the sink sees neither secret.
    log::debug("GET /api/v2/ping\r\nAuthorization: Basic " + token + "\r\nAccept: */*");
    log::warning("password was " + password);
    log::info("Authorization: Bearer other-credential");

    log::set_debug(false);
    log::set_sink({});
    REQUIRE(lines.size() >= 3);
    bool saw_retry = false;
    for (const auto& line : lines) {
        INFO(line);
        CHECK(line.find(password) == std::string::npos);
        CHECK(line.find(token) == std::string::npos);
        CHECK(line.find("other-credential") == std::string::npos);
        saw_retry = saw_retry || line.find("attempt 2") != std::string::npos;
    }
    CHECK(saw_retry);
}
