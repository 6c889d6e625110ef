// Numbers in EPMM's JSON as a broken server or proxy may send them: floats, huge values, text.
// Found by fuzzing: 1e300 where an integer belongs reached a float-to-integer conversion.
#include <catch2/catch.hpp>

#include "support/fake_transport.hpp"
#include "tectl/epmm_client.hpp"
#include "tectl/error.hpp"

using namespace tectl;

namespace {

epmm::Client client_answering(const std::string& body) {
    epmm::ClientOptions options;
    options.retry.max_attempts = 1;
    options.sleep = [](std::chrono::milliseconds) {};
    return epmm::Client(
        std::make_unique<test::FakeTransport>(
            std::make_shared<test::TransportLog>(),
            test::scripted({test::response(200, body, {{"content-type", "application/json"}})})),
        {"epmm.example.com", 443, "api@example.com", "pw"}, options);
}

}  // namespace

TEST_CASE("EPMM counts out of range are refused as a bad response", "[epmm][numbers]") {
    for (const char* body : {R"({"totalCount": 1e300})", R"({"totalCount": -1e300})",
                             R"({"totalCount": 18446744073709551615})"}) {
        INFO(body);
        auto client = client_answering(body);
        CHECK_THROWS_AS(client.count(1, ""), Error);
    }
}

TEST_CASE("EPMM counts written as whole floats are read", "[epmm][numbers]") {
    auto client = client_answering(R"({"totalCount": 42.0})");
    CHECK(client.count(1, "") == 42);
}

TEST_CASE("a space id of 1e300 is a malformed answer, not a converted number",
          "[epmm][numbers]") {
    auto client = client_answering(R"({"results": [{"id": 1e300, "name": "Global"}]})");
    try {
        client.my_spaces();
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::failure);
        CHECK(std::string(e.what()).find("numeric") != std::string::npos);
    }
}
