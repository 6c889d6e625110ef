#include <catch2/catch.hpp>

#include "tectl/error.hpp"
#include "tectl/normalize.hpp"
#include "tectl/random.hpp"

#include <algorithm>
#include <set>
#include <string>

using namespace tectl;

namespace {

ErrorKind kind_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.kind();
    }
    FAIL("no tectl::Error thrown");
    return ErrorKind::failure;
}

bool has_change(const NormalizedHost& h, const std::string& part) {
    for (const auto& c : h.changes) {
        if (c.find(part) != std::string::npos)
            return true;
    }
    return false;
}

}  // namespace

TEST_CASE("a URL typed as the EPMM host is reduced to the host, each change reported",
          "[normalize]") {
    NormalizedHost h = normalize_host("  https://Epmm.Example.COM.:443/mifs/admin  ");
    CHECK(h.host == "epmm.example.com");
    CHECK_FALSE(h.port.has_value());
    CHECK(has_change(h, "spaces"));
    CHECK(has_change(h, "scheme"));
    CHECK(has_change(h, "path '/mifs/admin'"));
    CHECK(has_change(h, "443"));
    CHECK(has_change(h, "trailing dot"));
    CHECK(has_change(h, "lower case"));
}

TEST_CASE("a clean host needs no change", "[normalize]") {
    NormalizedHost h = normalize_host("epmm.example.com");
    CHECK(h.host == "epmm.example.com");
    CHECK(h.changes.empty());
}

TEST_CASE("an explicit non-443 port is kept", "[normalize]") {
    CHECK(normalize_host("epmm.example.com:9443").port == 9443);
    CHECK(normalize_host("https://[::1]:8443/").host == "::1");
    CHECK(normalize_host("https://[::1]:8443/").port == 8443);
    CHECK(normalize_host("127.0.0.1:4443").host == "127.0.0.1");
    CHECK(has_change(normalize_host("epmm.example.com:8443"), "System Manager"));
}

TEST_CASE("a mistyped scheme is refused, never turned into a host named https", "[normalize]") {
    for (const char* bad : {"https:/epmm.example.com", "https:epmm.example.com", "http:/x.y",
                            "https://", "   ", "", "https:///path", "ftp://epmm.example.com"}) {
        INFO(bad);
        CHECK(kind_of([&] { normalize_host(bad); }) == ErrorKind::usage);
    }
}

TEST_CASE("hosts that cannot be host names are refused", "[normalize]") {
    for (const char* bad : {"epmm_example.com", "-epmm.example.com", "epmm..example.com",
                            "user@epmm.example.com", "epmm.example.com:0", "epmm.example.com:99999",
                            "epmm.example.com:abc", "[::1", "a:b:c"}) {
        INFO(bad);
        CHECK(kind_of([&] { normalize_host(bad); }) == ErrorKind::usage);
    }
}

// Found by fuzz_normalize_host: inet_pton judged "::8\0..." by its part before the NUL, so the
// whole text passed as an IPv6 literal and a second normalisation removed one more trailing dot.
TEST_CASE("a host with a NUL or another control character is refused, and shown escaped",
          "[normalize]") {
    using namespace std::string_literals;
    for (const std::string& bad :
         {"::8\0\0004::10.0.."s, "::1\0."s, "epmm\x1b[31m.example.com"s, "epmm.example.com\x7f"s}) {
        INFO(bad);
        try {
            normalize_host(bad);
            FAIL("accepted");
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::usage);
            std::string message = e.what();
            CHECK(message.find("control character") != std::string::npos);
            CHECK(std::none_of(message.begin(), message.end(),
                               [](unsigned char c) { return c < 0x20 || c == 0x7f; }));
        }
    }
}

TEST_CASE("spaces inside the host are removed and reported", "[normalize]") {
    NormalizedHost h = normalize_host("epmm .example.com");
    CHECK(h.host == "epmm.example.com");
    CHECK(has_change(h, "spaces inside"));
}

TEST_CASE("the EPMM user may not hold a colon", "[normalize]") {
    std::vector<std::string> notes;
    CHECK(normalize_user(" duo-api@example.com ", notes) == "duo-api@example.com");
    CHECK(notes.size() == 1);
    CHECK(kind_of([&] { normalize_user("duo:api@example.com", notes); }) == ErrorKind::usage);
    CHECK(kind_of([&] { normalize_user("", notes); }) == ErrorKind::usage);
    notes.clear();
    CHECK(normalize_user("duoapi", notes) == "duoapi");
    REQUIRE(notes.size() == 1);
    CHECK(notes[0].find("not an e-mail") != std::string::npos);
}

TEST_CASE("configuration keys have the DPK shape", "[normalize]") {
    CHECK(normalize_config_key(" DPK0W0KLPJLOGSKHTDD ") == "DPK0W0KLPJLOGSKHTDD");
    for (const char* bad : {"DPK0W0KLPJLOGSKHTD", "dpk0w0klpjlogskhtdd", "DPK0W0KLPJLOGSKHTDDX",
                            "XPK0W0KLPJLOGSKHTDD", "DPK0W0KLPJ-OGSKHTDD", ""}) {
        INFO(bad);
        CHECK(kind_of([&] { normalize_config_key(bad); }) == ErrorKind::usage);
    }
}

TEST_CASE("minted ids and keys have their documented shape and differ", "[random]") {
    std::set<std::string> seen;
    for (int n = 0; n < 200; ++n) {
        std::string id = mint_integration_id();
        std::string key = mint_config_key();
        CHECK(is_integration_id(id));
        CHECK(is_config_key(key));
        seen.insert(id);
    }
    CHECK(seen.size() == 200);
}

TEST_CASE("the random alphabet is drawn from the injected source", "[random]") {
    // A source of all zero bytes yields only 'A'; bytes at or above 252 are drawn again.
    int calls = 0;
    RandomBytes source = [&](std::span<unsigned char> out) {
        for (auto& b : out)
            b = calls == 0 ? 255 : 0;
        ++calls;
    };
    CHECK(random_upper_alnum(5, source) == "AAAAA");
    CHECK(calls == 2);
}

TEST_CASE("names are checked", "[normalize]") {
    CHECK(normalize_name(" ios-prod ") == "ios-prod");
    CHECK(kind_of([] { normalize_name(""); }) == ErrorKind::usage);
    CHECK(kind_of([] { normalize_name(std::string(65, 'a')); }) == ErrorKind::usage);
    CHECK(kind_of([] { normalize_name("DI0123456789ABCDEFGH"); }) == ErrorKind::usage);
}
