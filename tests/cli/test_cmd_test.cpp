// `tectl test` end to end: the real binary against the simulator.
#include <catch2/catch.hpp>

#include "support/process.hpp"
#include "support/simulator.hpp"

#include <nlohmann/json.hpp>

using namespace tectl;
using test::kSimPassword;
using test::kSimUser;
using test::RunOptions;
using test::SimConfig;
using test::Simulator;
using test::TempDir;

namespace {

std::vector<std::string> adhoc(const Simulator& sim, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"test",
                                     "--epmm-host",
                                     "127.0.0.1:" + std::to_string(sim.port()),
                                     "--epmm-user",
                                     kSimUser,
                                     "--cacert",
                                     sim.ca_file().string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

RunOptions with_password(const std::string& password = kSimPassword) {
    RunOptions options;
    options.env["TECTL_EPMM_PASSWORD"] = password;
    return options;
}

nlohmann::json json_of(const test::RunResult& r) {
    INFO(r.out << r.err);
    return nlohmann::json::parse(r.out);
}

}  // namespace

TEST_CASE("tectl test: ad-hoc options that work print Configuration successful", "[cli][test]") {
    Simulator sim;
    TempDir dir;
    auto r = test::tectl(dir.path(), adhoc(sim), with_password());
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("Configuration successful: EPMM 11.12.0.0") != std::string::npos);
    CHECK(r.out.find("device-read") != std::string::npos);
    CHECK(r.out.find(kSimPassword) == std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir / "state.json"));  // nothing written

    auto j = json_of(test::tectl(dir.path(), adhoc(sim, {"--json"}), with_password()));
    CHECK(j["ok"] == true);
    CHECK(j["epmm_version"] == "11.12.0.0");
    REQUIRE(j["checks"].size() == 6);
    CHECK(j["checks"][0]["name"] == "dns");
    CHECK(j["checks"][5]["name"] == "device-read");
    CHECK(j["checks"][5]["ok"] == true);
    CHECK(j["recorded"] == false);
}

TEST_CASE("tectl test: a wrong password exits 4 after exactly one request", "[cli][test]") {
    Simulator sim;
    TempDir dir;
    const std::string wrong = "wr0ng-pässword";
    auto r = test::tectl(dir.path(), adhoc(sim, {"--json", "-v"}), with_password(wrong));
    CHECK(r.exit_code == 4);
    auto j = json_of(r);
    CHECK(j["ok"] == false);
    CHECK(j["checks"].back()["name"] == "credentials");
    CHECK(j["error"]["kind"] == "auth");
    CHECK(j["error"]["message"] == j["checks"].back()["detail"]);
    CHECK_FALSE(j["error"]["message"].get<std::string>().empty());
    CHECK(sim.request_count() == 1);
    CHECK(r.out.find(wrong) == std::string::npos);
    CHECK(r.err.find(wrong) == std::string::npos);
    CHECK(r.err.find("GET /api/v2/ping -> 401") != std::string::npos);  // -v traces requests
}

TEST_CASE("tectl test: a server that never answers exits 5 within the timeout", "[cli][test]") {
    Simulator sim(SimConfig().fault({{"kind", "hang"}}));
    TempDir dir;
    auto args = adhoc(sim);
    args.insert(args.begin(), {"--timeout", "2"});
    auto r = test::tectl(dir.path(), args, with_password());
    INFO(r.out << r.err);
    CHECK(r.exit_code == 5);
    CHECK(r.elapsed < std::chrono::milliseconds(6000));
    CHECK(r.out.find("did not answer within 2 s") != std::string::npos);
}

TEST_CASE("tectl test: a wrong CA exits 5 naming the TLS problem", "[cli][test]") {
    Simulator sim;
    TempDir dir;
    auto args = adhoc(sim);
    args.back() = (test::test_pki_dir() / "other-ca.pem").string();
    auto r = test::tectl(dir.path(), args, with_password());
    INFO(r.out << r.err);
    CHECK(r.exit_code == 5);
    CHECK(r.out.find("FAIL  tls") != std::string::npos);
    CHECK(r.out.find("not trusted") != std::string::npos);
    CHECK(sim.request_count() == 0);
}

TEST_CASE("tectl test ID records the outcome on the integration", "[cli][test]") {
    Simulator sim;
    TempDir dir;
    test::write_file(dir / "pw.txt", std::string(kSimPassword) + "\n");
    auto created = test::tectl(dir.path(), {"create", "--platform", "android", "--name", "a"});
    REQUIRE(created.exit_code == 0);
    auto configured = test::tectl(
        dir.path(), {"configure", "a", "--epmm-host", "127.0.0.1:" + std::to_string(sim.port()),
                     "--epmm-user", kSimUser, "--epmm-password-file", (dir / "pw.txt").string(),
                     "--cacert", sim.ca_file().string()});
    REQUIRE(configured.exit_code == 0);

    auto r = test::tectl(dir.path(), {"test", "a", "--json"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(json_of(r)["recorded"] == true);
    auto show = json_of(test::tectl(dir.path(), {"show", "a", "--json"}));
    CHECK(show["integration"]["last_test"]["ok"] == true);
    CHECK(show["integration"]["last_test"]["epmm_version"] == "11.12.0.0");

    // Options that change the stored settings are tested but not recorded.
    auto bad_ca = (test::test_pki_dir() / "other-ca.pem").string();
    auto overridden = test::tectl(dir.path(), {"test", "a", "--cacert", bad_ca});
    CHECK(overridden.exit_code == 5);
    CHECK(overridden.err.find("not recorded") != std::string::npos);
    show = json_of(test::tectl(dir.path(), {"show", "a", "--json"}));
    CHECK(show["integration"]["last_test"]["ok"] == true);
}

TEST_CASE("tectl test: a missing password off a terminal is a usage error", "[cli][test]") {
    Simulator sim;
    TempDir dir;
    auto r = test::tectl(dir.path(), adhoc(sim));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("TECTL_EPMM_PASSWORD") != std::string::npos);
    CHECK(sim.request_count() == 0);
}
