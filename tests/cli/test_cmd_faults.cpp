// Faults of the network and of a broken EPMM, end to end: the tectl program against the simulator's
// fault switches. `tectl sync`, `tectl test` and a live `tectl search` each end in bounded time
// with exit 5 and a message naming the problem; sync and search leave the state directory byte
// for byte as it was (the previous device index included), and test changes nothing but the
// outcome it records.
#include <catch2/catch.hpp>

#include "support/process.hpp"
#include "support/simulator.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

using namespace tectl;
using std::chrono::milliseconds;
using test::RunOptions;
using test::SimConfig;
using test::SimOptions;
using test::Simulator;
using test::TempDir;
namespace fs = std::filesystem;

namespace {

constexpr const char* kKnown = "3a45b4d5-d2e5-468c-bf4f-149efff463a9";
constexpr int kDevices = 450;  // three pages of 200, plus the known device

// Every file of the state directory with its bytes, except SQLite's -wal and -shm companions,
// which a reader may create and the next writer removes (their content is checked apart).
using Snapshot = std::map<std::string, std::string>;

Snapshot snapshot(const TempDir& state) {
    Snapshot files;
    for (const auto& entry : fs::recursive_directory_iterator(state.path())) {
        if (!entry.is_regular_file())
            continue;
        const std::string name = fs::relative(entry.path(), state.path()).string();
        if (name.ends_with("-shm") || name.ends_with("-wal"))
            continue;
        files[name] = test::read_file(entry.path());
    }
    return files;
}

// True when no index holds committed pages outside its main file, so that the main file's bytes
// are the whole index.
bool index_settled(const TempDir& state) {
    if (!fs::exists(state / "index"))
        return true;
    for (const auto& entry : fs::directory_iterator(state / "index")) {
        if (entry.path().string().ends_with("-wal") && fs::file_size(entry.path()) != 0)
            return false;
    }
    return true;
}

std::vector<std::string> names(const Snapshot& files) {
    std::vector<std::string> out;
    for (const auto& [name, bytes] : files)
        out.push_back(name);
    return out;
}

// A state directory holding integration "a", whose device index a healthy sync filled; then
// point_at() aims it at the simulator under test.
class Synced {
  public:
    Synced() {
        Simulator healthy(
            SimConfig().devices(1, kDevices).device({{"space", 1}, {"common.uuid", kKnown}}));
        REQUIRE(test::tectl(state_.path(), {"create", "--platform", "android", "--name", "a"})
                    .exit_code == 0);
        test::write_file(inputs_ / "pw.txt", std::string(test::kSimPassword) + "\n");
        configure({"--epmm-host", endpoint(healthy), "--epmm-user", test::kSimUser,
                   "--epmm-password-file", (inputs_ / "pw.txt").string(), "--cacert",
                   healthy.ca_file().string()});
        auto sync = test::tectl(state_.path(), {"sync", "a", "--json"});
        INFO(sync.out << sync.err);
        REQUIRE(sync.exit_code == 0);
        REQUIRE(nlohmann::json::parse(sync.out)["devices"] == kDevices + 1);
        cached_ = cached_answer();
        REQUIRE(cached_.find(kKnown) != std::string::npos);
    }

    const TempDir& state() const { return state_; }

    void point_at(const Simulator& sim) { configure({"--epmm-host", endpoint(sim)}); }

    // What `search --cached` says about the known device, as JSON.
    std::string cached_answer() const {
        auto r = test::tectl(state_.path(), {"search", "a", "--cached", kKnown, "--json"});
        INFO(r.out << r.err);
        CHECK(r.exit_code == 0);
        return r.out;
    }

    // The answer of the healthy sync's index.
    const std::string& cached_before() const { return cached_; }

    test::RunResult run(std::vector<std::string> args, milliseconds timeout) const {
        RunOptions options;
        options.timeout = timeout;
        return test::tectl(state_.path(), args, options);
    }

  private:
    static std::string endpoint(const Simulator& sim) {
        return "127.0.0.1:" + std::to_string(sim.port());
    }

    void configure(std::vector<std::string> args) {
        args.insert(args.begin(), {"configure", "a"});
        auto r = test::tectl(state_.path(), args);
        INFO(r.out << r.err);
        REQUIRE(r.exit_code == 0);
    }

    TempDir state_;
    TempDir inputs_;
    std::string cached_;
};

struct Expected {
    std::string phrase;                 // the key words of the message
    milliseconds within{15000};         // bound on each command's run time
    std::vector<std::string> global{};  // e.g. {"--timeout", "1"}
};

std::vector<std::string> with_global(const Expected& expected, std::vector<std::string> args) {
    args.insert(args.begin(), expected.global.begin(), expected.global.end());
    return args;
}

// One error line on stderr: "tectl: error: ..." and nothing after it.
void check_one_line_error(const test::RunResult& r, const std::string& phrase) {
    auto at = r.err.find("tectl: error: ");
    REQUIRE(at != std::string::npos);
    const std::string line = r.err.substr(at);
    CHECK(line.find('\n') == line.size() - 1);
    CHECK(line.find(phrase) != std::string::npos);
}

// `sync a` and a live `search a` fail with exit 5 naming the fault, in bounded time, and leave
// the state directory and the index exactly as they were.
void check_sync_and_search(Synced& synced, const Expected& expected) {
    for (const auto& args : {std::vector<std::string>{"sync", "a"},
                             std::vector<std::string>{"search", "a", "--live", kKnown}}) {
        REQUIRE(index_settled(synced.state()));
        const Snapshot before = snapshot(synced.state());
        auto r = synced.run(with_global(expected, args), expected.within + milliseconds(10000));
        INFO("tectl " << args[0] << "\nstdout: " << r.out << "\nstderr: " << r.err);
        CHECK_FALSE(r.timed_out);
        CHECK(r.exit_code == 5);
        check_one_line_error(r, expected.phrase);
        CHECK(r.elapsed < expected.within);

        CHECK(index_settled(synced.state()));
        const Snapshot after = snapshot(synced.state());
        CHECK(names(after) == names(before));
        CHECK(after == before);
        CHECK(synced.cached_answer() == synced.cached_before());
    }
}

// `test a` fails with exit 5 at the named check, and records that outcome (it is what `enable`
// looks at) without changing anything else.
void check_test(Synced& synced, const Expected& expected, const std::string& failed_check) {
    const Snapshot before = snapshot(synced.state());
    auto r =
        synced.run(with_global(expected, {"test", "a"}), expected.within + milliseconds(10000));
    INFO("tectl test\nstdout: " << r.out << "\nstderr: " << r.err);
    CHECK_FALSE(r.timed_out);
    CHECK(r.exit_code == 5);
    CHECK(r.elapsed < expected.within);
    CHECK(r.out.find("FAIL  " + failed_check) != std::string::npos);
    CHECK(r.out.find(expected.phrase) != std::string::npos);
    CHECK(r.out.find("Configuration test failed at " + failed_check) != std::string::npos);

    const Snapshot after = snapshot(synced.state());
    REQUIRE(names(after) == names(before));
    for (const auto& [name, bytes] : before) {
        INFO("file " << name);
        if (name == "state.json") {
            auto old_doc = nlohmann::json::parse(bytes);
            auto new_doc = nlohmann::json::parse(after.at(name));
            auto& recorded = new_doc["integrations"][0];
            CHECK(recorded["last_test"]["ok"] == false);
            for (auto* doc : {&old_doc, &new_doc}) {
                (*doc)["integrations"][0].erase("last_test");
                (*doc)["integrations"][0].erase("updated_at");
            }
            CHECK(new_doc == old_doc);
        } else if (name == "audit.jsonl") {
            CHECK(after.at(name).starts_with(bytes));  // one line added, none changed
        } else {
            CHECK(after.at(name) == bytes);
        }
    }
    CHECK(synced.cached_answer() == synced.cached_before());
}

nlohmann::json on_devices(nlohmann::json fault) {
    fault["path"] = "/api/v2/devices";
    return fault;
}

bool logged_fault(const Simulator& sim, const std::string& kind) {
    for (const auto& line : sim.log_lines()) {
        if (line["fault"] == kind)
            return true;
    }
    return false;
}

}  // namespace

TEST_CASE("cli faults: a connection reset half-way through a device page", "[cli][faults]") {
    Synced synced;
    Simulator sim(SimConfig().devices(1, kDevices).fault(on_devices({{"kind", "reset"}})));
    synced.point_at(sim);
    Expected expected{"closed the connection"};
    check_sync_and_search(synced, expected);
    check_test(synced, expected, "device-read");
    CHECK(logged_fault(sim, "reset"));
}

TEST_CASE("cli faults: a device page of truncated JSON", "[cli][faults]") {
    Synced synced;
    Simulator sim(SimConfig().devices(1, kDevices).fault(on_devices({{"kind", "truncate"}})));
    synced.point_at(sim);
    Expected expected{"before the document is complete"};
    check_sync_and_search(synced, expected);
    check_test(synced, expected, "device-read");
    CHECK(logged_fault(sim, "truncate"));
}

TEST_CASE("cli faults: a 100 MB answer is refused at the cap", "[cli][faults]") {
    Synced synced;
    Simulator sim(SimConfig()
                      .devices(1, kDevices)
                      .fault(on_devices({{"kind", "huge"}, {"bytes", 100 << 20}})));
    synced.point_at(sim);
    Expected expected{"exceeds 64 MiB", milliseconds(30000)};
    check_sync_and_search(synced, expected);
    check_test(synced, expected, "device-read");
    CHECK(logged_fault(sim, "huge"));
}

TEST_CASE("cli faults: an answer that never ends stops at --timeout", "[cli][faults]") {
    Synced synced;
    Simulator sim(SimConfig()
                      .devices(1, kDevices)
                      .fault(on_devices({{"kind", "endless"}, {"interval_ms", 100}})));
    synced.point_at(sim);
    // One second of timeout, plus a margin for a loaded machine and the sanitizer build.
    Expected expected{"did not end within 1 s", milliseconds(8000), {"--timeout", "1"}};
    check_sync_and_search(synced, expected);
    check_test(synced, expected, "device-read");
    CHECK(logged_fault(sim, "endless"));
}

TEST_CASE("cli faults: a redirect to another host is not followed", "[cli][faults]") {
    Synced synced;
    // The other host is a second simulator: had tectl followed, its log would show the request.
    Simulator elsewhere;
    Simulator sim(SimConfig()
                      .devices(1, kDevices)
                      .fault(on_devices({{"kind", "redirect"},
                                         {"location", "https://localhost:" +
                                                          std::to_string(elsewhere.port())}})));
    synced.point_at(sim);
    Expected expected{"tectl does not follow redirects"};
    check_sync_and_search(synced, expected);
    check_test(synced, expected, "device-read");
    CHECK(logged_fault(sim, "redirect"));
    CHECK(elsewhere.request_count() == 0);
}

TEST_CASE("cli faults: an expired server certificate", "[cli][faults]") {
    Synced synced;
    SimOptions options;
    options.certificate = "expired.pem";
    Simulator sim(SimConfig().devices(1, kDevices), options);
    synced.point_at(sim);
    Expected expected{"expired on"};
    check_sync_and_search(synced, expected);
    check_test(synced, expected, "tls");
    // Refused in the handshake: no request reached the server.
    CHECK(sim.request_count() == 0);
}

TEST_CASE("cli faults: invalid UTF-8 in device fields is synced and indexed repaired",
          "[cli][faults]") {
    Synced synced;
    Simulator sim(SimConfig()
                      .devices(1, kDevices)
                      .device({{"space", 1}, {"common.uuid", kKnown}})
                      .fault({{"kind", "invalid_utf8"}, {"field", "common.model"}}));
    synced.point_at(sim);
    const std::string replacement = "\xEF\xBF\xBD";  // U+FFFD

    auto sync = synced.run({"sync", "a", "--json"}, milliseconds(30000));
    INFO(sync.out << sync.err);
    REQUIRE(sync.exit_code == 0);
    CHECK(nlohmann::json::parse(sync.out)["devices"] == kDevices + 1);

    // The JSON parser refuses invalid UTF-8, so parsing proves the output is clean.
    const std::string cached = synced.cached_answer();
    CHECK(cached != synced.cached_before());
    auto doc = nlohmann::json::parse(cached);
    REQUIRE(doc["results"].size() == 1);
    CHECK(doc["results"][0]["found"] == true);
    const std::string model = doc["results"][0]["device"]["model"];
    CHECK(model.find(replacement) != std::string::npos);

    auto live = synced.run({"search", "a", "--live", kKnown, "--json"}, milliseconds(30000));
    INFO(live.out << live.err);
    CHECK(live.exit_code == 0);
    auto live_doc = nlohmann::json::parse(live.out);
    CHECK(live_doc["results"][0]["device"]["model"] == model);

    auto text = synced.run({"search", "a", "--cached", kKnown}, milliseconds(30000));
    CHECK(text.exit_code == 0);
    CHECK(text.out.find("model " + model) != std::string::npos);
}

TEST_CASE("cli faults: a long wait before a retry is told without -v", "[cli][faults]") {
    Simulator sim(SimConfig().fault({{"kind", "status"},
                                     {"status", 429},
                                     {"retry_after", 2},
                                     {"count", 1},
                                     {"path", "/api/v2/devices"}}));
    TempDir state;
    RunOptions with_password;
    with_password.env["TECTL_EPMM_PASSWORD"] = test::kSimPassword;
    REQUIRE(test::tectl(state.path(),
                        {"create", "--platform", "ios", "--name", "a", "--epmm-host",
                         "127.0.0.1:" + std::to_string(sim.port()), "--epmm-user", test::kSimUser,
                         "--cacert", sim.ca_file().string()},
                        with_password)
                .exit_code == 0);
    auto r = test::tectl(state.path(), {"sync", "a", "--connections", "1"}, with_password);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("tectl: EPMM at 127.0.0.1 answered 429") != std::string::npos);
    CHECK(r.err.find("; asking again in 2 s") != std::string::npos);
    CHECK(r.err.find("\033[K") == std::string::npos);  // not a terminal: no line clearing
}
