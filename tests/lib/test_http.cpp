#include <catch2/catch.hpp>

#include "support/process.hpp"
#include "tectl/http.hpp"

#include <cstdlib>
#include <map>
#include <optional>

using namespace tectl::http;

namespace {

// Sets environment variables for one test and restores them afterwards.
using Env = std::map<std::string, std::optional<std::string>>;

class EnvGuard {
  public:
    explicit EnvGuard(const Env& values) {
        for (const auto& [name, value] : values) {
            const char* old = std::getenv(name.c_str());
            saved_[name] = old ? std::optional<std::string>(old) : std::nullopt;
            set(name, value);
        }
    }
    ~EnvGuard() {
        for (const auto& [name, value] : saved_)
            set(name, value);
    }

  private:
    static void set(const std::string& name, const std::optional<std::string>& value) {
        if (value)
            ::setenv(name.c_str(), value->c_str(), 1);
        else
            ::unsetenv(name.c_str());
    }
    std::map<std::string, std::optional<std::string>> saved_;
};

const std::map<std::string, std::optional<std::string>> no_proxy_env = {
    {"https_proxy", std::nullopt}, {"HTTPS_PROXY", std::nullopt}, {"all_proxy", std::nullopt},
    {"ALL_PROXY", std::nullopt},   {"no_proxy", std::nullopt},    {"NO_PROXY", std::nullopt}};

}  // namespace

TEST_CASE("percent_encode keeps unreserved characters and encodes the rest", "[http]") {
    CHECK(percent_encode("common.uuid-_~AZaz09") == "common.uuid-_~AZaz09");
    CHECK(percent_encode("ios.iPhone UDID") == "ios.iPhone%20UDID");
    CHECK(percent_encode("\"common.uuid\"=\"3a45b4d5-d2e5\" AND (x=\"a&b\")") ==
          "%22common.uuid%22%3D%223a45b4d5-d2e5%22%20AND%20%28x%3D%22a%26b%22%29");
    CHECK(percent_encode("a+b/c?d#e%") == "a%2Bb%2Fc%3Fd%23e%25");
    CHECK(percent_encode("é") == "%C3%A9");
    CHECK(percent_encode("") == "");
}

TEST_CASE("build_query joins encoded pairs", "[http]") {
    CHECK(
        build_query({{"adminDeviceSpaceId", "1"}, {"query", ""}, {"fields", "ios.iPhone UDID"}}) ==
        "adminDeviceSpaceId=1&query=&fields=ios.iPhone%20UDID");
    CHECK(build_query({}).empty());
}

TEST_CASE("origin leaves out the default port and brackets IPv6 literals", "[http]") {
    CHECK(origin("epmm.example.com", 443) == "https://epmm.example.com");
    CHECK(origin("127.0.0.1", 8443) == "https://127.0.0.1:8443");
    CHECK(origin("::1", 9000) == "https://[::1]:9000");
}

TEST_CASE("timeouts_for keeps the connect timeout within the total", "[http]") {
    using std::chrono::milliseconds;
    CHECK(timeouts_for(milliseconds(3000)).connect == milliseconds(3000));
    CHECK(timeouts_for(milliseconds(3000)).total == milliseconds(3000));
    CHECK(timeouts_for(milliseconds(60000)).connect == milliseconds(10000));
}

TEST_CASE("proxy_for reads the variables libcurl reads, in its order", "[http]") {
    EnvGuard clean(no_proxy_env);
    CHECK_FALSE(proxy_for("epmm.example.com").has_value());

    {
        EnvGuard env(Env{{"HTTPS_PROXY", "http://upper.example:3128"}});
        auto p = proxy_for("epmm.example.com");
        REQUIRE(p);
        CHECK(p->variable == "HTTPS_PROXY");
        CHECK(p->host == "upper.example");
        CHECK(p->port == 3128);
    }
    {
        EnvGuard env(Env{{"https_proxy", "http://alice:s3cret@lower.example:8080/"},
                         {"HTTPS_PROXY", "http://upper.example:3128"}});
        auto p = proxy_for("epmm.example.com");
        REQUIRE(p);
        CHECK(p->variable == "https_proxy");
        CHECK(p->url == "http://lower.example:8080");  // credentials never shown
        CHECK(p->url.find("s3cret") == std::string::npos);
    }
    {
        EnvGuard env(Env{{"ALL_PROXY", "proxy.example"}});
        auto p = proxy_for("epmm.example.com");
        REQUIRE(p);
        CHECK(p->port == 1080);
    }
    {
        EnvGuard env(
            Env{{"https_proxy", "http://p.example:3128"}, {"NO_PROXY", "localhost,.example.com"}});
        CHECK_FALSE(proxy_for("epmm.example.com").has_value());
        CHECK_FALSE(proxy_for("example.com").has_value());
        CHECK(proxy_for("epmm.example.org").has_value());
        CHECK(proxy_for("notexample.com").has_value());
    }
    {
        EnvGuard env(Env{{"https_proxy", "http://p.example:3128"}, {"no_proxy", "*"}});
        CHECK_FALSE(proxy_for("anything").has_value());
    }
}

TEST_CASE("the CA source: the integration's bundle, then the environment, then the system",
          "[http]") {
    tectl::test::TempDir dir;
    tectl::test::write_file(dir / "bundle.pem", "x");

    EnvGuard env(Env{{"SSL_CERT_FILE", (dir / "bundle.pem").string()},
                     {"SSL_CERT_DIR", dir.path().string()}});
    CHECK(choose_ca_source({"/some/ca.pem", false}).kind == CaSource::Kind::cacert);
    CHECK(choose_ca_source({"/some/ca.pem", false}).file == "/some/ca.pem");
    CHECK(choose_ca_source({"", true}).kind == CaSource::Kind::none);

    CaSource fromenv = choose_ca_source({});
    CHECK(fromenv.kind == CaSource::Kind::environment);
    CHECK(fromenv.file == (dir / "bundle.pem").string());
    CHECK(fromenv.dir == dir.path().string());
    CHECK(fromenv.describe().find("SSL_CERT_FILE") != std::string::npos);

    {
        // Paths that do not exist are ignored, as OpenSSL ignores them.
        EnvGuard missing(
            Env{{"SSL_CERT_FILE", (dir / "missing.pem").string()}, {"SSL_CERT_DIR", std::nullopt}});
        CHECK(choose_ca_source({}).kind == CaSource::Kind::system);
    }
}

TEST_CASE("the curl transport refuses a CA bundle that does not exist", "[http]") {
    TransportOptions options;
    options.tls.cacert = "/nonexistent/ca.pem";
    try {
        make_curl_transport(options);
        FAIL("no error");
    } catch (const tectl::Error& e) {
        CHECK(e.kind() == tectl::ErrorKind::usage);
        CHECK(std::string(e.what()).find("/nonexistent/ca.pem") != std::string::npos);
    }
}

TEST_CASE("the curl transport tells a refused connect and a bad host name apart", "[http]") {
    EnvGuard clean(no_proxy_env);
    auto transport = make_curl_transport({});

    // Port 1 on loopback: nothing listens there.
    try {
        transport->perform({"GET", "https://127.0.0.1:1/api/v2/ping", {}, {}});
        FAIL("no error");
    } catch (const TransportError& e) {
        CHECK(e.reason() == FailureReason::connect);
        CHECK(e.kind() == tectl::ErrorKind::network);
        CHECK(std::string(e.what()).find("refused") != std::string::npos);
    }
    try {
        transport->perform({"GET", "https://no-such-host.invalid/api/v2/ping", {}, {}});
        FAIL("no error");
    } catch (const TransportError& e) {
        CHECK(e.reason() == FailureReason::dns);
        CHECK(std::string(e.what()).find("no-such-host.invalid") != std::string::npos);
    }
}
