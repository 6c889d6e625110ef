// Faults a real network and a broken EPMM (or whatever sits in front of it) produce, against the
// simulator: each ends with the documented error in bounded time and memory, and a sync that
// meets one leaves the previous device index exactly as it was.
#include <catch2/catch.hpp>

#include "support/simulator.hpp"
#include "tectl/device_index.hpp"
#include "tectl/device_sync.hpp"
#include "tectl/epmm_client.hpp"
#include "tectl/http.hpp"

#include <sys/resource.h>

#include <chrono>

using namespace tectl;
using std::chrono::milliseconds;
using std::chrono::seconds;
using tectl::test::SimConfig;
using tectl::test::Simulator;

namespace {

constexpr const char* kKnown = "3a45b4d5-d2e5-468c-bf4f-149efff463a9";

// The production transport with its default limits, only trusting the test CA, and short
// retry waits so that retried faults stay fast.
struct Connection {
    epmm::Client client;
    std::unique_ptr<DeviceSource> source;

    explicit Connection(const Simulator& sim, milliseconds timeout = milliseconds(4000))
        : client(http::make_curl_transport([&] {
                     http::TransportOptions o;
                     o.tls.cacert = sim.ca_file().string();
                     o.timeouts = http::timeouts_for(timeout);
                     return o;
                 }()),
                 epmm::Endpoint{sim.host(), sim.port(), test::kSimUser, test::kSimPassword},
                 [] {
                     epmm::ClientOptions o;
                     o.retry.base_delay = milliseconds(10);
                     o.retry.max_delay = milliseconds(50);
                     return o;
                 }()),
          source(epmm_device_source(client)) {}
};

// AddressSanitizer keeps freed memory in quarantine, so peak memory says little under it.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kMemoryMeasurable = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kMemoryMeasurable = false;
#else
constexpr bool kMemoryMeasurable = true;
#endif
#else
constexpr bool kMemoryMeasurable = true;
#endif

long peak_rss_kb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

struct Caught {
    ErrorKind kind = ErrorKind::failure;
    std::optional<http::FailureReason> reason;
    std::string message;
    std::chrono::steady_clock::duration took{};
};

template <typename Call>
Caught expect_error(Call&& call) {
    Caught caught;
    auto start = std::chrono::steady_clock::now();
    try {
        call();
        FAIL("no error");
    } catch (const http::TransportError& e) {
        caught = {e.kind(), e.reason(), e.what(), {}};
    } catch (const Error& e) {
        caught = {e.kind(), std::nullopt, e.what(), {}};
    }
    caught.took = std::chrono::steady_clock::now() - start;
    return caught;
}

}  // namespace

TEST_CASE("faults: a connection reset half-way through a body is a network error", "[faults]") {
    Simulator sim(SimConfig().fault({{"kind", "reset"}, {"path", "/api/v2/ping"}}));
    Connection epmm(sim);
    auto caught = expect_error([&] { epmm.client.ping(); });
    INFO(caught.message);
    CHECK(caught.kind == ErrorKind::network);
    CHECK(caught.took < seconds(10));
}

TEST_CASE("faults: a body that never ends stops at the timeout", "[faults]") {
    Simulator sim(SimConfig().fault({{"kind", "endless"}, {"interval_ms", 100}}));
    Connection epmm(sim, milliseconds(2000));
    auto caught = expect_error([&] { epmm.client.ping(); });
    INFO(caught.message);
    CHECK(caught.kind == ErrorKind::network);
    CHECK(caught.reason == http::FailureReason::timeout);
    CHECK(caught.took < seconds(8));
}

TEST_CASE("faults: a 100 MB body is refused with the default cap, in bounded memory", "[faults]") {
    Simulator sim(SimConfig().fault({{"kind", "huge"}, {"bytes", 100 << 20}}));
    Connection epmm(sim, milliseconds(60000));
    long before = peak_rss_kb();
    auto caught = expect_error([&] { epmm.client.ping(); });
    long grown_mb = (peak_rss_kb() - before) / 1024;
    INFO(caught.message << "; peak RSS grew by " << grown_mb << " MB");
    CHECK(caught.kind == ErrorKind::network);
    CHECK(caught.reason == http::FailureReason::too_large);
    // The cap is 64 MB; a copy or two on top of it is acceptable, the whole 100 MB twice is not.
    if (kMemoryMeasurable)
        CHECK(grown_mb < 200);
    CHECK(caught.took < seconds(60));
}

TEST_CASE("faults: a sync that meets a fault leaves the previous index exactly as it was",
          "[faults]") {
    test::TempDir dir;
    SyncOptions options;
    options.index_path = dir / "index" / "DI1.sqlite";
    {
        Simulator healthy(
            SimConfig().devices(1, 30).device({{"space", 1}, {"common.uuid", kKnown}}));
        Connection epmm(healthy);
        REQUIRE(sync_devices(*epmm.source, options).devices == 31);
    }
    auto before = DeviceIndex::open(options.index_path);
    REQUIRE(before);
    const IndexMeta meta_before = before->meta();
    const auto known_before = before->find(kKnown);
    REQUIRE(known_before);

    // Each fault hits every device page; the spaces were already read.
    const std::vector<nlohmann::json> faults = {
        {{"kind", "reset"}},
        {{"kind", "truncate"}},
        {{"kind", "status"}, {"status", 503}},
        {{"kind", "huge"}, {"bytes", 80 << 20}},
        {{"kind", "endless"}, {"interval_ms", 100}},
        {{"kind", "redirect"}},
        {{"kind", "hang"}},
    };
    for (auto fault : faults) {
        INFO("fault " << fault.dump());
        fault["path"] = "/api/v2/devices";
        Simulator sim(SimConfig().devices(1, 500).fault(fault));
        Connection epmm(sim, milliseconds(2000));
        options.limit = 100;
        auto caught = expect_error([&] { sync_devices(*epmm.source, options); });
        INFO(caught.message);
        CHECK(caught.kind != ErrorKind::usage);
        CHECK(caught.took < seconds(30));

        auto after = DeviceIndex::open(options.index_path);
        REQUIRE(after);
        const IndexMeta meta_after = after->meta();
        CHECK(meta_after.last_sync == meta_before.last_sync);
        CHECK(meta_after.device_count == meta_before.device_count);
        auto known_after = after->find(kKnown);
        REQUIRE(known_after);
        CHECK(*known_after == *known_before);
    }
}

TEST_CASE("faults: invalid UTF-8 in device fields is indexed repaired, not refused", "[faults]") {
    test::TempDir dir;
    SyncOptions options;
    options.index_path = dir / "index" / "DI1.sqlite";
    Simulator sim(SimConfig()
                      .devices(1, 10)
                      .device({{"space", 1}, {"common.uuid", kKnown}})
                      .fault({{"kind", "invalid_utf8"}, {"field", "common.model"}}));
    Connection epmm(sim);
    auto summary = sync_devices(*epmm.source, options);
    CHECK(summary.devices == 11);
    auto index = DeviceIndex::open(options.index_path);
    REQUIRE(index);
    auto known = index->find(kKnown);
    REQUIRE(known);
    CHECK_NOTHROW(nlohmann::json(known->model).dump());
    CHECK(known->model.find("\xEF\xBF\xBD") != std::string::npos);  // U+FFFD in its place
}
