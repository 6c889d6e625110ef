#include <catch2/catch.hpp>

#include "support/process.hpp"
#include "tectl/error.hpp"
#include "tectl/lifecycle.hpp"
#include "tectl/state.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <random>
#include <set>
#include <thread>

using namespace tectl;
using tectl::test::TempDir;

extern char** environ;

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

unsigned mode_of(const std::filesystem::path& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 0777;
}

Integration sample(const std::string& name) {
    Integration i;
    i.id =
        "DI" + std::string(18 - std::min<std::size_t>(name.size(), 18), '0') + name.substr(0, 18);
    for (auto& c : i.id)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    i.name = name;
    i.config_key = "DPK0W0KLPJLOGSKHTDD";
    return i;
}

}  // namespace

TEST_CASE("a missing state file is an empty state, and reading creates nothing", "[state]") {
    TempDir tmp;
    StateStore store(tmp / "state");
    CHECK(store.load().integrations.empty());
    CHECK_FALSE(std::filesystem::exists(tmp / "state"));
}

TEST_CASE("an update writes state.json in a 0700 directory, the password apart in 0600",
          "[state]") {
    TempDir tmp;
    StateStore store(tmp / "state");
    bool changed = store.update([](StateDoc& doc, Credentials& creds) {
        doc.integrations.push_back(sample("a"));
        creds[doc.integrations[0].id] = "s3cret-Pä$$";
    });
    CHECK(changed);
    CHECK(mode_of(tmp / "state") == 0700);
    CHECK(mode_of(store.credentials_file()) == 0600);
    std::string state = test::read_file(store.state_file());
    CHECK(state.find("\"schema_version\": 1") != std::string::npos);
    CHECK(state.find("s3cret") == std::string::npos);
    CHECK(store.password(sample("a").id) == "s3cret-Pä$$");
    CHECK(store.load().integrations.at(0) == sample("a"));
    CHECK(store.ids_with_password() == std::set<std::string>{sample("a").id});
}

TEST_CASE("without a credential file no integration has a stored password", "[state]") {
    TempDir tmp;
    StateStore store(tmp.path());
    store.update([](StateDoc& doc, Credentials&) { doc.integrations.push_back(sample("a")); });
    CHECK(store.ids_with_password().empty());
    CHECK_FALSE(store.password(sample("a").id));
}

TEST_CASE("an update that changes nothing writes nothing", "[state]") {
    TempDir tmp;
    StateStore store(tmp.path());
    store.update([](StateDoc& doc, Credentials&) { doc.integrations.push_back(sample("a")); });
    auto before = std::filesystem::last_write_time(store.state_file());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK_FALSE(store.update([](StateDoc&, Credentials&) {}));
    CHECK(std::filesystem::last_write_time(store.state_file()) == before);
}

TEST_CASE("a change that throws leaves the state as it was", "[state]") {
    TempDir tmp;
    StateStore store(tmp.path());
    store.update([](StateDoc& doc, Credentials&) { doc.integrations.push_back(sample("a")); });
    std::string before = test::read_file(store.state_file());
    CHECK_THROWS_AS(store.update([](StateDoc& doc, Credentials&) {
        doc.integrations.clear();
        throw Error(ErrorKind::conflict, "no");
    }),
                    Error);
    CHECK(test::read_file(store.state_file()) == before);
}

TEST_CASE("a dry run computes the change but writes nothing", "[state]") {
    TempDir tmp;
    StateStore store(tmp / "s");
    CHECK(store.update([](StateDoc& doc, Credentials&) { doc.integrations.push_back(sample("a")); },
                       true));
    CHECK_FALSE(std::filesystem::exists(tmp / "s"));
}

TEST_CASE("a corrupt state file is reported with its path and left untouched", "[state]") {
    TempDir tmp;
    StateStore store(tmp.path());
    for (const char* bad : {"{not json", "[]", "{\"integrations\": []}",
                            "{\"schema_version\": 1, \"integrations\": [{\"id\": 3}]}"}) {
        INFO(bad);
        test::write_file(store.state_file(), bad);
        try {
            store.load();
            FAIL("loaded");
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::failure);
            CHECK(std::string(e.what()).find(store.state_file().string()) != std::string::npos);
        }
        CHECK_THROWS(store.update([](StateDoc& doc, Credentials&) { doc.integrations.clear(); }));
        CHECK(test::read_file(store.state_file()) == bad);
    }
}

TEST_CASE("a state file from a newer tectl is refused and kept", "[state]") {
    TempDir tmp;
    StateStore store(tmp.path());
    std::string future = R"({"schema_version": 2, "integrations": [], "new_thing": true})";
    test::write_file(store.state_file(), future);
    CHECK(kind_of([&] { store.load(); }) == ErrorKind::conflict);
    CHECK(kind_of([&] { store.update([](StateDoc&, Credentials&) {}); }) == ErrorKind::conflict);
    CHECK(test::read_file(store.state_file()) == future);
}

TEST_CASE("an oversized state file is refused rather than loaded", "[state]") {
    TempDir tmp;
    StateStore store(tmp.path());
    test::write_file(store.state_file(), std::string(kMaxStateFileBytes + 1, ' '));
    try {
        store.load();
        FAIL("loaded");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).find("larger than") != std::string::npos);
    }
}

TEST_CASE("a state directory that is not writable is reported", "[state]") {
    if (geteuid() == 0) {
        // root writes anywhere: use a path below a regular file instead.
        TempDir tmp;
        test::write_file(tmp / "file", "x");
        StateStore store(tmp / "file" / "state");
        CHECK(kind_of([&] { store.update([](StateDoc&, Credentials&) {}); }) == ErrorKind::failure);
        return;
    }
    TempDir tmp;
    std::filesystem::create_directory(tmp / "ro");
    ::chmod((tmp / "ro").c_str(), 0500);
    StateStore store(tmp / "ro");
    CHECK(kind_of([&] { store.update([](StateDoc&, Credentials&) {}); }) == ErrorKind::failure);
}

TEST_CASE("the state directory comes from the flag, then the environment", "[state]") {
    CHECK(resolve_state_dir("/x/y") == "/x/y");
    ::setenv("TECTL_STATE_DIR", "/from/env", 1);
    CHECK(resolve_state_dir("") == "/from/env");
    ::unsetenv("TECTL_STATE_DIR");
    ::setenv("XDG_STATE_HOME", "/xdg", 1);
    CHECK(resolve_state_dir("") == "/xdg/tectl");
    ::unsetenv("XDG_STATE_HOME");
    ::setenv("HOME", "/home/admin", 1);
    CHECK(resolve_state_dir("") == "/home/admin/.local/state/tectl");
}

TEST_CASE("a readable credential file is warned about", "[state]") {
    TempDir tmp;
    StateStore store(tmp.path());
    store.update([](StateDoc& doc, Credentials& creds) {
        doc.integrations.push_back(sample("a"));
        creds[sample("a").id] = "pw";
    });
    CHECK(store.warnings().empty());
    ::chmod(store.credentials_file().c_str(), 0644);
    REQUIRE(store.warnings().size() == 1);
    CHECK(store.warnings()[0].find("chmod 600") != std::string::npos);
}

TEST_CASE("the audit log gets one JSON line per change, without secrets", "[state]") {
    TempDir tmp;
    StateStore store(tmp.path());
    CreateRequest request;
    request.platform = "android";
    request.name = "a";
    request.epmm.password = "audit-canary-pw";
    create_integration(store, request);
    create_integration(store, request);
    std::string audit = test::read_file(store.audit_file());
    CHECK(std::count(audit.begin(), audit.end(), '\n') == 2);
    CHECK(audit.find("\"outcome\":\"changed\"") != std::string::npos);
    CHECK(audit.find("\"outcome\":\"unchanged\"") != std::string::npos);
    CHECK(audit.find("\"user\":") != std::string::npos);
    CHECK(audit.find("audit-canary-pw") == std::string::npos);
    CHECK(mode_of(store.audit_file()) == 0600);
}

TEST_CASE("20 parallel tectl create processes leave 20 integrations", "[state][slow]") {
    TempDir tmp;
    std::vector<std::thread> threads;
    std::vector<test::RunResult> results(20);
    for (int n = 0; n < 20; ++n) {
        threads.emplace_back([&, n] {
            results[n] = test::tectl(tmp.path(), {"create", "--platform", n % 2 ? "ios" : "android",
                                                  "--name", "parallel-" + std::to_string(n)});
        });
    }
    for (auto& t : threads)
        t.join();
    for (const auto& r : results)
        CHECK(r.exit_code == 0);
    StateDoc doc = StateStore(tmp.path()).load();
    CHECK(doc.integrations.size() == 20);
    std::set<std::string> ids;
    for (const auto& i : doc.integrations)
        ids.insert(i.id);
    CHECK(ids.size() == 20);
}

TEST_CASE("a kill at any moment of a write leaves the old or the new state", "[state][slow]") {
    TempDir tmp;
    StateStore store(tmp.path());
    // A large state makes each write take long enough for kills to land inside it.
    store.update([](StateDoc& doc, Credentials&) {
        for (int n = 0; n < 3000; ++n)
            doc.integrations.push_back(sample("bulk" + std::to_string(n)));
    });

    // Kill times spread over the whole run of one create, measured here.
    auto timed = test::tectl(tmp.path(), {"create", "--platform", "android", "--name", "timed"});
    REQUIRE(timed.exit_code == 0);
    auto span_us = std::max<long>(1000, timed.elapsed.count() * 1200);

    std::mt19937 rng(42);
    std::size_t expected = 3001;
    int killed_mid_run = 0;
    int completed = 0;
    // Bounded: at least 30 rounds, then until both outcomes were seen, at most 150. Under load a
    // run takes longer than measured, so the span grows while no run completes.
    for (int round = 0; round < 150 && (round < 30 || killed_mid_run == 0 || completed == 0);
         ++round) {
        if (round % 10 == 9 && completed == 0) span_us *= 2;
        std::string name = "kill-" + std::to_string(round);
        std::vector<std::string> argv{TECTL_BINARY, "--state-dir", tmp.path().string(),
                                      "create",     "--platform",  "android",
                                      "--name",     name};
        std::vector<char*> args;
        for (auto& a : argv)
            args.push_back(a.data());
        args.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
        pid_t pid = 0;
        REQUIRE(posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ) == 0);
        posix_spawn_file_actions_destroy(&actions);
        std::this_thread::sleep_for(std::chrono::microseconds(rng() % span_us));
        ::kill(pid, SIGKILL);
        int status = 0;
        ::waitpid(pid, &status, 0);
        if (WIFSIGNALED(status)) {
            ++killed_mid_run;
        } else {
            ++completed;
        }

        StateDoc doc = store.load();  // throws if the file were torn
        bool added = doc.find(name) != nullptr;
        CHECK(doc.integrations.size() == expected + (added ? 1 : 0));
        if (added)
            ++expected;
    }
    INFO("killed before they finished: " << killed_mid_run << ", completed: " << completed);
    CHECK(killed_mid_run > 0);
    CHECK(completed > 0);
}
