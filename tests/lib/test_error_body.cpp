#include <catch2/catch.hpp>

#include "tectl/epmm_client.hpp"

#include <nlohmann/json.hpp>

using tectl::epmm::describe_error_body;
using tectl::epmm::sanitize_utf8;

TEST_CASE("error body: EPMM's messages envelope gives its localized messages", "[error-body]") {
    std::string body = R"({"messages":[{"type":"Error","messageKey":"com.mobileiron.vsp.messages.x",
        "localizedMessage":"Invalid value for limit"},{"type":"Error","localizedMessage":"second"}]})";
    CHECK(describe_error_body(body, "application/json") == "Invalid value for limit; second");
}

TEST_CASE("error body: a bare localizedMessage is used when there is no envelope", "[error-body]") {
    CHECK(describe_error_body(R"({"localizedMessage":"Access denied"})") == "Access denied");
    // An envelope without usable entries falls back to the top-level message.
    CHECK(describe_error_body(
              R"({"messages":[{"type":"Error"},42,"x"],"localizedMessage":"top"})") == "top");
}

TEST_CASE("error body: JSON of the wrong shape does not crash", "[error-body]") {
    CHECK(describe_error_body(R"({"messages":"oops"})") == R"({"messages":"oops"})");
    CHECK(describe_error_body(R"({"messages":[{"localizedMessage":17}]})") ==
          R"({"messages":[{"localizedMessage":17}]})");
    CHECK(describe_error_body("[1,2,3]") == "[1,2,3]");
    CHECK(describe_error_body("{\"localizedMessage\": \"unterminated") ==
          "{\"localizedMessage\": \"unterminated");
}

TEST_CASE("error body: an HTML page is summarised by its title, never dumped", "[error-body]") {
    std::string page =
        "<!DOCTYPE html>\n<html><head><title>502 Bad\n Gateway &amp; more</title>"
        "<style>body{}</style></head><body><h1>Bad Gateway</h1><p>nginx</p></body></html>";
    std::string summary = describe_error_body(page, "text/html; charset=utf-8");
    CHECK(summary == "an HTML page titled \"502 Bad Gateway & more\"");

    CHECK(describe_error_body("<html><body><h1>Oops</h1></body></html>") ==
          "an HTML page titled \"Oops\"");
    CHECK(describe_error_body("<html><body>no title here</body></html>") == "an HTML page");
}

TEST_CASE("error body: empty and blank bodies say nothing", "[error-body]") {
    CHECK(describe_error_body("").empty());
    CHECK(describe_error_body(" \r\n\t ").empty());
}

TEST_CASE("error body: plain text gives one short line", "[error-body]") {
    CHECK(describe_error_body("Service\r\n   temporarily\tunavailable\n") ==
          "Service temporarily unavailable");
    std::string garbage("\x01\x02\xff\xfe binary \x00 junk", 18);
    std::string line = describe_error_body(garbage);
    CHECK(line.find('\x01') == std::string::npos);
    CHECK(line.find('\0') == std::string::npos);
    CHECK(line.find("binary") != std::string::npos);
    CHECK_NOTHROW(nlohmann::json(line).dump());
}

TEST_CASE("error body: a huge body gives a bounded excerpt", "[error-body]") {
    std::string huge(8u << 20, 'x');
    std::string line = describe_error_body(huge);
    CHECK(line.size() < 300);
    CHECK(line.ends_with("…"));

    std::string huge_json = "{\"localizedMessage\":\"" + std::string(4u << 20, 'y') + "\"}";
    CHECK(describe_error_body(huge_json).size() < 300);

    // A cut never splits a multi-byte character.
    std::string accents;
    for (int i = 0; i < 400; ++i)
        accents += "é";
    std::string cut = describe_error_body(accents);
    CHECK(sanitize_utf8(cut) == cut);
}

TEST_CASE("sanitize_utf8 keeps valid text and replaces ill-formed bytes", "[error-body]") {
    CHECK(sanitize_utf8("Pä$$wörd€ 𝄞") == "Pä$$wörd€ 𝄞");
    CHECK(sanitize_utf8("a\xff"
                        "b") ==
          "a\xEF\xBF\xBD"
          "b");
    CHECK(sanitize_utf8("\xC3") == "\xEF\xBF\xBD");  // truncated sequence
    CHECK(sanitize_utf8("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
    CHECK(sanitize_utf8("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong
    CHECK_NOTHROW(nlohmann::json(sanitize_utf8("x\xfe\xfe")).dump());
}
