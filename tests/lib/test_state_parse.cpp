// parse_state, the entry point the state file and its fuzz harness share.
#include <catch2/catch.hpp>

#include "tectl/error.hpp"
#include "tectl/state.hpp"

using namespace tectl;

namespace {

ErrorKind kind_of(const std::string& text) {
    try {
        parse_state(text);
    } catch (const Error& e) {
        return e.kind();
    }
    FAIL("parsed: " << text);
    return ErrorKind::failure;
}

// An integration's opening, to which a test appends one more field and the closing.
const std::string head = R"({"schema_version": 1, "integrations": [{"id": "DI0123456789ABCDEFGH",
    "name": "n", "platform": "ios", "status": "disabled",
    "config_key": "DPK0W0KLPJLOGSKHTDD", )";

}  // namespace

TEST_CASE("parse_state reads what tectl writes", "[state][parse]") {
    auto doc = parse_state(R"({"schema_version": 1, "integrations": [{"id": "DI0123456789ABCDEFGH",
        "name": "n", "platform": "ios", "status": "disabled",
        "config_key": "DPK0W0KLPJLOGSKHTDD"}]})");
    REQUIRE(doc.integrations.size() == 1);
    CHECK(doc.integrations[0].name == "n");
    CHECK(doc.integrations[0].epmm.port == 443);
}

TEST_CASE("a schema_version beyond int is newer, not wrapped around to 1", "[state][parse]") {
    CHECK(kind_of(R"({"schema_version": 4294967297, "integrations": []})") == ErrorKind::conflict);
    CHECK(kind_of(R"({"schema_version": 18446744073709551615, "integrations": []})") ==
          ErrorKind::conflict);
    CHECK(kind_of(R"({"schema_version": -4294967295, "integrations": []})") == ErrorKind::failure);
}

TEST_CASE("parse_state refuses what is not a state document with Error", "[state][parse]") {
    for (const char* text :
         {"", "[]", "{}", R"({"schema_version": "1"})", R"({"schema_version": 1})",
          R"({"schema_version": 1, "integrations": [1]})",
          R"({"schema_version": 1, "integrations": [{"id": 5}]})"}) {
        INFO(text);
        CHECK(kind_of(text) == ErrorKind::failure);
    }
}

TEST_CASE("a port or spec version that is no whole number in range is corrupt, not converted",
          "[state][parse]") {
    // 1e300 used to reach a float-to-int conversion, which is undefined behaviour.
    for (const char* field :
         {R"("epmm": {"port": 1e300})", R"("epmm": {"port": 2.5})", R"("epmm": {"port": 70000})",
          R"("epmm": {"port": 0})", R"("epmm": {"port": 18446744073709551615})",
          R"("spec_version": 1e300)", R"("spec_version": -3)", R"("spec_version": 4294967297)"}) {
        INFO(field);
        CHECK(kind_of(head + field + "}]}") == ErrorKind::failure);
    }
    auto doc = parse_state(head + R"("epmm": {"port": 8443}, "spec_version": 7}]})");
    CHECK(doc.integrations.at(0).epmm.port == 8443);
    CHECK(doc.integrations.at(0).spec_version == 7);
}

// Found by fuzz_state: a space id of 2.3e64 reached a double-to-int64 conversion.
TEST_CASE("device space ids that are no positive whole numbers are corrupt, not converted",
          "[state][parse]") {
    for (const char* field : {R"("epmm": {"spaces": [1, 2.33e64]})", R"("epmm": {"spaces": [1.5]})",
                              R"("epmm": {"spaces": [0]})", R"("epmm": {"spaces": [-7]})",
                              R"("epmm": {"spaces": [18446744073709551615]})",
                              R"("epmm": {"spaces": ["1"]})", R"("epmm": {"spaces": 1})"}) {
        INFO(field);
        CHECK(kind_of(head + field + "}]}") == ErrorKind::failure);
    }
    auto doc = parse_state(head + R"("epmm": {"spaces": [1, 9223372036854775807]}}]})");
    CHECK(doc.integrations.at(0).epmm.spaces == std::vector<std::int64_t>{1, 9223372036854775807});
    CHECK(parse_state(head + R"("epmm": {"spaces": null}}]})")
              .integrations.at(0)
              .epmm.spaces.empty());
}
