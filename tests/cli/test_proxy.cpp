// tectl behind an HTTP proxy, as admins in corporate networks run it: the proxy from
// https_proxy, CONNECT tunnels carrying the verified TLS connection to EPMM, credentials in the
// proxy URL (never shown), a 407, and no_proxy.
#include <catch2/catch.hpp>

#include "support/connect_proxy.hpp"
#include "support/process.hpp"
#include "support/simulator.hpp"

#include "tectl/epmm_client.hpp"

using namespace tectl;
using test::ConnectProxy;
using test::RunOptions;
using test::SimConfig;
using test::Simulator;
using test::TempDir;

namespace {

std::vector<std::string> epmm_options(const Simulator& sim) {
    return {"--epmm-host", "127.0.0.1:" + std::to_string(sim.port()),
            "--epmm-user", test::kSimUser,
            "--cacert",    sim.ca_file().string()};
}

std::vector<std::string> adhoc_test(const Simulator& sim) {
    auto args = epmm_options(sim);
    args.insert(args.begin(), "test");
    args.push_back("-v");
    return args;
}

RunOptions via_proxy(const std::string& proxy_url) {
    RunOptions options;
    options.env["TECTL_EPMM_PASSWORD"] = test::kSimPassword;
    options.env["https_proxy"] = proxy_url;
    for (const char* other : {"HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"})
        options.env[other] = std::nullopt;
    return options;
}

std::string sim_target(const Simulator& sim) {
    return "127.0.0.1:" + std::to_string(sim.port());
}

}  // namespace

TEST_CASE("behind a proxy: test and sync reach EPMM through CONNECT tunnels", "[cli][proxy]") {
    Simulator sim(SimConfig().devices(1, 1000));
    ConnectProxy proxy;
    TempDir dir;

    auto r = test::tectl(dir.path(), adhoc_test(sim), via_proxy(proxy.url()));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("Configuration successful") != std::string::npos);
    // The connect check is about the proxy: this machine never connects to EPMM itself.
    CHECK(r.out.find("port " + std::to_string(proxy.port()) + " (the proxy from https_proxy)") !=
          std::string::npos);
    CHECK(r.err.find("proxy for 127.0.0.1: " + proxy.url() + " (from https_proxy)") !=
          std::string::npos);
    auto asked = proxy.targets();
    REQUIRE_FALSE(asked.empty());
    for (const auto& target : asked)
        CHECK(target == sim_target(sim));

    auto create = epmm_options(sim);
    create.insert(create.begin(), {"create", "--platform", "android", "--name", "p"});
    REQUIRE(test::tectl(dir.path(), create, via_proxy(proxy.url())).exit_code == 0);
    auto before = asked.size();
    auto sync = test::tectl(dir.path(), {"sync", "p", "--json"}, via_proxy(proxy.url()));
    INFO(sync.out << sync.err);
    CHECK(sync.exit_code == 0);
    CHECK(proxy.targets().size() > before);  // the sync's connections were tunnelled too
    CHECK(sync.out.find("\"devices\": 1000") != std::string::npos);
}

TEST_CASE(
    "behind a proxy that wants credentials: 407 is named, URL credentials are used "
    "and never shown",
    "[cli][proxy]") {
    Simulator sim;
    const std::string password = "pr0xy-Secret";
    ConnectProxy proxy("Basic " + epmm::basic_token("proxyuser", password));
    TempDir dir;

    auto refused = test::tectl(dir.path(), adhoc_test(sim), via_proxy(proxy.url()));
    INFO(refused.out << refused.err);
    CHECK(refused.exit_code == 5);
    CHECK(refused.out.find("the proxy " + proxy.url() +
                           " (https_proxy) requires authentication "
                           "(407)") != std::string::npos);
    CHECK(refused.out.find("put the proxy's user and password in its URL") != std::string::npos);
    CHECK(proxy.refused() >= 1);
    CHECK(sim.request_count() == 0);

    auto with_credentials =
        "http://proxyuser:" + password + "@127.0.0.1:" + std::to_string(proxy.port());
    auto r = test::tectl(dir.path(), adhoc_test(sim), via_proxy(with_credentials));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(sim.request_count() > 0);
    CHECK(r.out.find(password) == std::string::npos);
    CHECK(r.err.find(password) == std::string::npos);
    CHECK(r.err.find("proxy for 127.0.0.1: " + proxy.url()) != std::string::npos);  // shown bare

    auto wrong = "http://proxyuser:not-it@127.0.0.1:" + std::to_string(proxy.port());
    auto rejected = test::tectl(dir.path(), adhoc_test(sim), via_proxy(wrong));
    INFO(rejected.out << rejected.err);
    CHECK(rejected.exit_code == 5);
    CHECK(rejected.out.find("the proxy refused the user and password in https_proxy") !=
          std::string::npos);
    CHECK(rejected.out.find("not-it") == std::string::npos);
    CHECK(rejected.err.find("not-it") == std::string::npos);
}

TEST_CASE("a proxy that is down is named as the problem, not EPMM", "[cli][proxy]") {
    Simulator sim;
    std::string down;
    {
        ConnectProxy gone;  // its port, closed again
        down = gone.url();
    }
    TempDir dir;
    auto r = test::tectl(dir.path(), adhoc_test(sim), via_proxy(down));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 5);
    CHECK(r.out.find("(the proxy from https_proxy)") != std::string::npos);
    CHECK(r.out.find("check that the proxy in https_proxy is up, or add 127.0.0.1 to no_proxy") !=
          std::string::npos);
    CHECK(sim.request_count() == 0);
}

TEST_CASE("no_proxy naming the EPMM host bypasses the proxy", "[cli][proxy]") {
    Simulator sim;
    ConnectProxy proxy;
    TempDir dir;
    auto options = via_proxy(proxy.url());
    options.env["no_proxy"] = "localhost,127.0.0.1";
    auto r = test::tectl(dir.path(), adhoc_test(sim), options);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(proxy.targets().empty());
    CHECK(r.err.find("proxy for 127.0.0.1: none") != std::string::npos);
}
