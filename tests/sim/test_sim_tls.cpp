// The test PKI and the certificates the simulator presents.
#include <catch2/catch.hpp>

#include "support/simulator.hpp"

using tectl::test::RunResult;
using tectl::test::SimConfig;
using tectl::test::SimOptions;
using tectl::test::Simulator;

namespace {

RunResult openssl_verify(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"/usr/bin/openssl", "verify"};
    argv.insert(argv.end(), args.begin(), args.end());
    return tectl::test::run(argv);
}

// An unauthenticated curl to `url` trusting `ca`; returns curl's exit code.
int curl_exit(const std::string& url, const std::filesystem::path& ca) {
    return tectl::test::run(
               {"/usr/bin/curl", "-sS", "-o", "/dev/null", "--cacert", ca.string(), url})
        .exit_code;
}

Simulator with_certificate(const std::string& certificate) {
    SimOptions options;
    options.certificate = certificate;
    return Simulator(SimConfig(), options);
}

}  // namespace

TEST_CASE("sim tls: the chain verifies with ca.pem and needs the intermediate") {
    const auto pki = tectl::test::test_pki_dir();
    const auto ca = (pki / "ca.pem").string();
    const auto chain = (pki / "chain.pem").string();
    CHECK(openssl_verify({"-CAfile", ca, "-untrusted", chain, chain}).exit_code == 0);
    CHECK(openssl_verify({"-CAfile", ca, (pki / "leaf-only.pem").string()}).exit_code != 0);
    CHECK(openssl_verify({"-CAfile", (pki / "other-ca.pem").string(), "-untrusted", chain, chain})
              .exit_code != 0);
    auto expired = (pki / "expired.pem").string();
    auto result = openssl_verify({"-CAfile", ca, "-untrusted", expired, expired});
    CHECK(result.exit_code != 0);
    CHECK((result.out + result.err).find("expired") != std::string::npos);
}

TEST_CASE("sim tls: the server is trusted by name and by address with ca.pem only") {
    Simulator sim;
    const std::string port = std::to_string(sim.port());
    CHECK(curl_exit("https://localhost:" + port + "/api/v2/ping", sim.ca_file()) == 0);
    CHECK(curl_exit("https://127.0.0.1:" + port + "/api/v2/ping", sim.ca_file()) == 0);
    CHECK(curl_exit("https://127.0.0.1:" + port + "/api/v2/ping",
                    tectl::test::test_pki_dir() / "other-ca.pem") == 60);
}

TEST_CASE("sim tls: a leaf without its intermediate fails verification") {
    auto sim = with_certificate("leaf-only.pem");
    auto reply = sim.get("/api/v2/ping");
    CHECK(reply.status == 0);
    CHECK(curl_exit(sim.base_url() + "/api/v2/ping", sim.ca_file()) == 60);
}

TEST_CASE("sim tls: a certificate for another name fails verification") {
    auto sim = with_certificate("wrong-name.pem");
    CHECK(sim.get("/api/v2/ping").status == 0);
    CHECK(curl_exit(sim.base_url() + "/api/v2/ping", sim.ca_file()) == 60);
}

TEST_CASE("sim tls: an expired certificate fails verification") {
    auto sim = with_certificate("expired.pem");
    CHECK(sim.get("/api/v2/ping").status == 0);
    CHECK(curl_exit(sim.base_url() + "/api/v2/ping", sim.ca_file()) == 60);
}
