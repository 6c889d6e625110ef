// SIGINT and SIGTERM while a command changes the state: the process exits 130 or 143, and the
// state directory holds exactly the old state (or, once the write has begun, the complete new
// one), never a torn file, a state without its credentials, or a temporary file.
#include <catch2/catch.hpp>

#include "support/process.hpp"
#include "support/simulator.hpp"
#include "tectl/state.hpp"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <thread>

extern char** environ;

using namespace tectl;
using test::TempDir;
namespace fs = std::filesystem;

namespace {

pid_t spawn_tectl(const TempDir& state, std::vector<std::string> args,
                  const std::string& stderr_path = "/dev/null") {
    args.insert(args.begin(), {TECTL_BINARY, "--state-dir", state.path().string()});
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    pid_t pid = 0;
    int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    REQUIRE(rc == 0);
    return pid;
}

// The exit code as the shell reports it (128 + signal when killed by one); bounded wait.
int wait_exit(pid_t pid) {
    int status = 0;
    for (int i = 0; i < 3000; ++i) {
        if (::waitpid(pid, &status, WNOHANG) == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    FAIL("tectl did not exit within 30 s of the signal");
    return -1;
}

std::set<std::string> file_names(const TempDir& dir) {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir.path()))
        names.insert(entry.path().filename().string());
    return names;
}

std::string bytes(const TempDir& dir, const std::string& name) {
    return fs::exists(dir / name) ? test::read_file(dir / name) : std::string("(none)");
}

}  // namespace

TEST_CASE("a signal while a command waits for its input leaves the state as it was",
          "[cli][signals]") {
    for (int signo : {SIGINT, SIGTERM}) {
        TempDir state;
        TempDir inputs;
        REQUIRE(
            test::tectl(state.path(), {"create", "--platform", "ios", "--name", "old"}).exit_code ==
            0);
        const std::string state_before = bytes(state, "state.json");
        const auto names_before = file_names(state);

        // The password comes from a FIFO nobody writes to, so tectl is surely in the middle of
        // the command, about to change the state, when the signal arrives.
        auto fifo = inputs / "password";
        REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
        pid_t pid =
            spawn_tectl(state, {"create", "--platform", "android", "--name", "new", "--epmm-user",
                                "api@example.com", "--epmm-password-file", fifo.string()});
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        ::kill(pid, signo);
        INFO("signal " << signo);
        CHECK(wait_exit(pid) == 128 + signo);
        CHECK(bytes(state, "state.json") == state_before);
        CHECK_FALSE(fs::exists(state / "credentials.json"));
        CHECK(file_names(state) == names_before);
    }
}

TEST_CASE("a signal at any moment of a state write leaves no torn or temporary file",
          "[cli][signals][slow]") {
    TempDir state;
    StateStore store(state.path());
    // A large state makes each write take long enough for signals to land inside it.
    store.update([](StateDoc& doc, Credentials&) {
        for (int n = 0; n < 3000; ++n) {
            Integration i;
            i.id = "DI" + std::string(18 - std::to_string(n).size(), 'A') + std::to_string(n);
            i.name = "bulk" + std::to_string(n);
            i.config_key = "DPK0W0KLPJLOGSKHTDD";
            doc.integrations.push_back(i);
        }
    });
    TempDir inputs;
    test::write_file(inputs / "pw", "p4ssword\n");
    auto timed = test::tectl(state.path(),
                             {"create", "--platform", "android", "--name", "t", "--epmm-user",
                              "api@example.com", "--epmm-password-file", (inputs / "pw").string()});
    REQUIRE(timed.exit_code == 0);
    auto span_us = std::max<long>(1000, timed.elapsed.count() * 1200);
    const auto names_before = file_names(state);
    std::mt19937 rng(7);
    std::size_t expected = 3001;
    int interrupted = 0;
    int completed = 0;
    for (int round = 0; round < 40; ++round) {
        std::string name = "sig-" + std::to_string(round);
        int signo = round % 2 ? SIGTERM : SIGINT;
        pid_t pid = spawn_tectl(
            state, {"create", "--platform", "android", "--name", name, "--epmm-user",
                    "api@example.com", "--epmm-password-file", (inputs / "pw").string()});
        std::this_thread::sleep_for(std::chrono::microseconds(rng() % span_us));
        ::kill(pid, signo);
        int code = wait_exit(pid);
        INFO("round " << round << ", signal " << signo << ", exit " << code);
        CHECK((code == 0 || code == 128 + signo));
        (code == 0 ? completed : interrupted)++;

        StateDoc doc = store.load();  // throws if the file were torn
        const Integration* added = doc.find(name);
        if (code == 0)
            CHECK(added);
        CHECK(doc.integrations.size() == expected + (added ? 1 : 0));
        // The password is written with the integration, or neither is.
        CHECK(store.password(added ? added->id : "none").has_value() == (added != nullptr));
        if (added)
            ++expected;
        CHECK(file_names(state) == names_before);
    }
    INFO("interrupted " << interrupted << ", completed " << completed);
    CHECK(interrupted > 0);
}

namespace {

// Every file of the state directory with its bytes, but SQLite's -wal and -shm companions, which a
// reader may create and the next writer removes; an empty -wal holds nothing of the index.
std::map<std::string, std::string> state_files(const TempDir& state) {
    std::map<std::string, std::string> files;
    for (const auto& entry : fs::recursive_directory_iterator(state.path())) {
        if (!entry.is_regular_file())
            continue;
        const std::string name = fs::relative(entry.path(), state.path()).string();
        if (name.ends_with("-wal"))
            CHECK(fs::file_size(entry.path()) == 0);
        if (name.ends_with("-shm") || name.ends_with("-wal"))
            continue;
        files[name] = test::read_file(entry.path());
    }
    return files;
}

}  // namespace

TEST_CASE("a signal during sync exits 130 or 143 and keeps the previous index",
          "[cli][signals][sync]") {
    constexpr const char* kKnown = "3a45b4d5-d2e5-468c-bf4f-149efff463a9";
    // 3,000 devices are fifteen pages; at 80 ms a page a sync stays busy for about half a second
    // even over its three connections.
    test::Simulator sim(test::SimConfig()
                            .devices(1, 3000)
                            .device({{"space", 1}, {"common.uuid", kKnown}})
                            .fault({{"kind", "delay"}, {"ms", 80}, {"path", "/api/v2/devices"}}));
    TempDir state;
    TempDir inputs;
    REQUIRE(
        test::tectl(state.path(), {"create", "--platform", "android", "--name", "a"}).exit_code ==
        0);
    test::write_file(inputs / "pw", std::string(test::kSimPassword) + "\n");
    REQUIRE(test::tectl(state.path(),
                        {"configure", "a", "--epmm-host", "127.0.0.1:" + std::to_string(sim.port()),
                         "--epmm-user", test::kSimUser, "--epmm-password-file",
                         (inputs / "pw").string(), "--cacert", sim.ca_file().string()})
                .exit_code == 0);
    auto first = test::tectl(state.path(), {"sync", "a"});
    INFO(first.out << first.err);
    REQUIRE(first.exit_code == 0);

    auto cached = [&] {
        auto r = test::tectl(state.path(), {"search", "a", "--cached", kKnown, "--json"});
        CHECK(r.exit_code == 0);
        return r.out;
    };
    auto last_sync = [&] {
        auto r = test::tectl(state.path(), {"show", "a", "--json"});
        return nlohmann::json::parse(r.out)["integration"]["last_sync"];
    };
    const std::string answer_before = cached();
    const auto last_sync_before = last_sync();
    REQUIRE(answer_before.find(kKnown) != std::string::npos);
    REQUIRE_FALSE(last_sync_before.is_null());

    auto device_requests = [&] {
        std::size_t n = 0;
        for (const auto& line : sim.log_lines())
            n += line["path"] == "/api/v2/devices";
        return n;
    };

    for (int signo : {SIGINT, SIGTERM}) {
        INFO("signal " << signo);
        const auto files_before = state_files(state);
        const std::size_t requests_before = device_requests();
        pid_t pid = spawn_tectl(state, {"sync", "a"}, (inputs / "stderr").string());

        // Signal only once the second sync is surely paging: two of its pages were asked for.
        bool paging = false;
        for (int i = 0; i < 1000 && !paging; ++i) {
            paging = device_requests() >= requests_before + 2;
            if (!paging)
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        CHECK(paging);
        auto signalled = std::chrono::steady_clock::now();
        ::kill(pid, signo);
        CHECK(wait_exit(pid) == 128 + signo);
        auto took = std::chrono::steady_clock::now() - signalled;
        // The page in flight is answered within its delay; then the sync stops and rolls back.
        CHECK(took < std::chrono::seconds(5));
        // It stopped early: fewer than the fifteen pages of a whole sync.
        CHECK(device_requests() < requests_before + 15);

        const std::string err = test::read_file(inputs / "stderr");
        INFO("stderr: " << err);
        CHECK(err.find("sync interrupted; the previous device index is unchanged") !=
              std::string::npos);
        CHECK(state_files(state) == files_before);
        CHECK(cached() == answer_before);
        CHECK(last_sync() == last_sync_before);
    }
}

TEST_CASE("a signal ends a sync or live search at once while it waits on EPMM", "[cli][signals]") {
    // A request EPMM never answers, and a 429 asking to wait 20 s: the two waits a signal must
    // cut short, where the previous case's signal arrives between pages.
    const std::vector<nlohmann::json> faults = {
        {{"kind", "hang"}, {"path", "/api/v2/devices"}},
        {{"kind", "status"}, {"status", 429}, {"retry_after", 20}, {"path", "/api/v2/devices"}}};
    for (const auto& fault : faults) {
        test::Simulator sim(test::SimConfig().fault(fault));
        TempDir state;
        TempDir inputs;
        test::write_file(inputs / "pw", std::string(test::kSimPassword) + "\n");
        REQUIRE(test::tectl(state.path(),
                            {"create", "--platform", "ios", "--name", "a", "--epmm-host",
                             "127.0.0.1:" + std::to_string(sim.port()), "--epmm-user",
                             test::kSimUser, "--epmm-password-file", (inputs / "pw").string(),
                             "--cacert", sim.ca_file().string()})
                    .exit_code == 0);
        auto device_requests = [&] {
            std::size_t n = 0;
            for (const auto& line : sim.log_lines())
                n += line["path"] == "/api/v2/devices";
            return n;
        };

        constexpr const char* kUuid = "3a45b4d5-d2e5-468c-bf4f-149efff463a9";
        for (auto command : {std::vector<std::string>{"sync", "a"},
                             std::vector<std::string>{"search", "a", kUuid}}) {
            for (int signo : {SIGINT, SIGTERM}) {
                INFO(fault.dump() << " " << command[0] << " signal " << signo);
                auto files_before = state_files(state);
                std::erase_if(files_before,
                              [](const auto& file) { return file.first.starts_with("index/"); });
                const std::size_t requests_before = device_requests();
                command.insert(command.begin(), "--timeout=60");
                pid_t pid = spawn_tectl(state, command, (inputs / "stderr").string());
                command.erase(command.begin());
                bool waiting = false;
                for (int i = 0; i < 1000 && !waiting; ++i) {
                    waiting = device_requests() > requests_before;
                    if (!waiting)
                        std::this_thread::sleep_for(std::chrono::milliseconds(5));
                }
                CHECK(waiting);
                std::this_thread::sleep_for(std::chrono::milliseconds(200));  // now in the wait

                auto signalled = std::chrono::steady_clock::now();
                ::kill(pid, signo);
                CHECK(wait_exit(pid) == 128 + signo);
                // libcurl looks at the cancel about once a second while a request waits.
                CHECK(std::chrono::steady_clock::now() - signalled <
                      std::chrono::milliseconds(2500));
                INFO("stderr: " << test::read_file(inputs / "stderr"));
                CHECK(test::read_file(inputs / "stderr").find("interrupted") != std::string::npos);
                // The state as it was; the first sync's index was never committed, so it
                // still reads as never synced.
                auto files_after = state_files(state);
                std::erase_if(files_after,
                              [](const auto& file) { return file.first.starts_with("index/"); });
                CHECK(files_after == files_before);
                auto cached = test::tectl(state.path(), {"search", "a", "--cached", kUuid});
                CHECK(cached.exit_code == 6);
                CHECK(cached.err.find("never synced") != std::string::npos);
            }
        }
    }
}
