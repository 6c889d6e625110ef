#include <catch2/catch.hpp>

#include "tectl/error.hpp"
#include "tectl/integration.hpp"

using namespace tectl;

TEST_CASE("integration round-trips through JSON", "[integration]") {
    Integration in;
    in.id = "DI0123456789ABCDEFGH";
    in.name = "android-prod";
    in.platform = Platform::ios;
    in.status = Status::test_group;
    in.test_groups = {"pilot"};
    in.config_key = "DPK0W0KLPJLOGSKHTDD";
    in.epmm.host = "epmm.example.com";
    in.epmm.spaces = {1, 7};
    in.last_test = ConfigTest{"2026-01-01T00:00:00Z", true, "11.12.0.0", {{"dns", true, "ok"}}};
    Integration out = nlohmann::json(in).get<Integration>();
    CHECK(out == in);
}

TEST_CASE("the legacy certificate platform is refused as a conflict", "[integration]") {
    try {
        parse_platform("ios-certificate");
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::conflict);
        CHECK(std::string(e.what()).find("7 October 2024") != std::string::npos);
    }
    CHECK_THROWS_AS(parse_platform("windows"), Error);
    CHECK(parse_platform("android") == Platform::android);
}
