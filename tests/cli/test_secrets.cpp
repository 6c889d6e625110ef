// The EPMM password must never leave the credential file. Every command is run with a canary
// password, given through a file, standard input and TECTL_EPMM_PASSWORD, in text, -v and --json
// modes, succeeding and failing; the canary (and the Basic token made from it) must not show up
// in the output, in any file of the state directory but credentials.json, nor in the command
// line of any process while the command runs.
#include <catch2/catch.hpp>

#include "support/process.hpp"
#include "support/simulator.hpp"
#include "tectl/epmm_client.hpp"

#include <sys/stat.h>

#include <atomic>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace tectl;
using test::RunOptions;
using test::TempDir;
namespace fs = std::filesystem;

namespace {

constexpr const char* kUser = "api@example.com";

// Made at run time, so that no file or process holds it unless tectl put it there. Only
// characters that JSON, URLs and shells leave alone, so a plain substring search finds any copy.
std::string make_canary() {
    std::random_device rd;
    std::ostringstream out;
    out << "Canary-" << std::hex << rd() << rd() << "-pw";
    return out.str();
}

bool holds(const std::string& text, const std::vector<std::string>& needles) {
    for (const auto& n : needles)
        if (text.find(n) != std::string::npos)
            return true;
    return false;
}

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// The command lines of every process that can be read now, NULs turned into spaces.
std::vector<std::string> command_lines() {
    std::vector<std::string> lines;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc", ec)) {
        const std::string name = entry.path().filename();
        if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0])))
            continue;
        std::string line = slurp(entry.path() / "cmdline");
        for (char& c : line)
            if (c == '\0')
                c = ' ';
        lines.push_back(std::move(line));
    }
    return lines;
}

struct Watched {
    test::RunResult result;
    std::string leaked_cmdline;  // the first command line seen holding a secret
    int samples = 0;
    int samples_while_running = 0;  // those that saw tectl's own command line
};

// Runs tectl while another thread reads every process's command line, until it ends.
Watched run_watched(const TempDir& state, const std::vector<std::string>& args,
                    const RunOptions& options, const std::vector<std::string>& secrets) {
    // Only this tectl's command line holds the state directory's path.
    const std::string marker = "--state-dir " + state.path().string() + " ";
    Watched watched;
    std::atomic<bool> started{false};
    std::atomic<bool> done{false};
    std::thread sampler([&] {
        // At least one pass after tectl was started; bounded by the run's own timeout, since
        // run() below returns within it.
        started = true;
        do {
            bool running = false;
            for (const auto& line : command_lines()) {
                if (watched.leaked_cmdline.empty() && holds(line, secrets))
                    watched.leaked_cmdline = line;
                running = running || line.find(marker) != std::string::npos;
            }
            ++watched.samples;
            watched.samples_while_running += running;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        } while (!done.load());
    });
    while (!started.load())
        std::this_thread::yield();
    watched.result = test::tectl(state.path(), args, options);
    done = true;
    sampler.join();
    return watched;
}

// Every file under the state directory except the credential file, which must be 0600.
void check_state_dir(const TempDir& state, const std::vector<std::string>& secrets) {
    std::error_code ec;
    for (const auto& entry : fs::recursive_directory_iterator(state.path(), ec)) {
        if (!entry.is_regular_file())
            continue;
        if (entry.path().filename() == "credentials.json") {
            struct stat st {};
            REQUIRE(::stat(entry.path().c_str(), &st) == 0);
            CHECK((st.st_mode & 0777) == 0600);
            continue;
        }
        INFO("file " << entry.path());
        CHECK_FALSE(holds(slurp(entry.path()), secrets));
    }
}

enum class Source { file, stdin_pipe, environment };

struct Password {
    Source source;
    std::vector<std::string> args;  // the flags that point at it
    RunOptions options;             // stdin or environment carrying it
};

Password password_via(Source source, const fs::path& file, const std::string& text) {
    Password p{source, {}, {}};
    switch (source) {
        case Source::file:
            test::write_file(file, text + "\n");
            fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
            p.args = {"--epmm-password-file", file.string()};
            break;
        case Source::stdin_pipe:
            p.args = {"--epmm-password-file", "-"};
            p.options.stdin_data = text + "\n";
            break;
        case Source::environment:
            p.options.env["TECTL_EPMM_PASSWORD"] = text;
            break;
    }
    return p;
}

const char* name_of(Source source) {
    switch (source) {
        case Source::file:
            return "file";
        case Source::stdin_pipe:
            return "stdin";
        default:
            return "TECTL_EPMM_PASSWORD";
    }
}

struct Step {
    std::vector<std::string> args;
    bool takes_password;  // the password flags are added (the environment always carries it)
    int expected_exit;
};

// Runs one step with the password from `source` in `mode` ("", "-v" or "--json") and checks
// that it exits as expected and leaks the secrets nowhere: output, command lines, state files.
Watched run_step(const TempDir& state, const Step& step, Source source, const char* mode,
                 const fs::path& password_file, const std::string& canary,
                 const std::vector<std::string>& secrets) {
    Password pw = password_via(source, password_file, canary);
    std::vector<std::string> args = step.args;
    if (step.takes_password)
        args.insert(args.end(), pw.args.begin(), pw.args.end());
    if (*mode)
        args.insert(args.begin(), mode);
    RunOptions options = pw.options;
    if (!step.takes_password && source == Source::stdin_pipe)
        options.stdin_data.reset();

    auto watched = run_watched(state, args, options, secrets);
    std::string shown;
    for (const auto& a : args)
        shown += a + " ";
    INFO("password via " << name_of(source) << ": tectl " << shown);
    INFO("command lines sampled " << watched.samples << " times, " << watched.samples_while_running
                                  << " while it ran");
    INFO("stdout: " << watched.result.out << "\nstderr: " << watched.result.err);
    CHECK(watched.result.exit_code == step.expected_exit);
    CHECK_FALSE(holds(watched.result.out, secrets));
    CHECK_FALSE(holds(watched.result.err, secrets));
    CHECK(watched.leaked_cmdline.empty());
    check_state_dir(state, secrets);
    return watched;
}

}  // namespace

TEST_CASE("the EPMM password appears only in the 0600 credential file", "[cli][secrets]") {
    const std::string canary = make_canary();
    const std::vector<std::string> secrets = {canary, epmm::basic_token(kUser, canary)};

    // Successes and failures of every command: usage errors after the password was read,
    // not found, conflicts, refusals without --yes, and the ordinary path.
    const std::vector<Step> steps = {
        {{"create", "--platform", "ios", "--name", "n", "--epmm-host", "https://EPMM.example.com/",
          "--epmm-user", kUser},
         true,
         0},
        {{"create", "--platform", "ios", "--name", "n", "--epmm-host", "epmm.example.com",
          "--epmm-user", kUser},
         true,
         0},
        {{"create", "--platform", "android", "--name", "n", "--epmm-user", kUser}, true, 6},
        {{"create", "--platform", "ios", "--name", "m", "--epmm-host", "https:/bad", "--epmm-user",
          kUser},
         true,
         2},
        {{"configure", "n", "--epmm-user", kUser}, true, 0},
        {{"configure", "nobody", "--epmm-user", kUser}, true, 3},
        {{"configure", "n", "--epmm-host", "user@epmm.example.com"}, true, 2},
        {{"configure", "n", "--epmm-user", kUser, "--dry-run"}, true, 0},
        {{"show", "n"}, false, 0},
        {{"show", "nobody"}, false, 3},
        {{"list"}, false, 0},
        {{"completion", "bash"}, false, 0},
        {{"appconfig", "generate", "n"}, false, 0},
        {{"appconfig", "check", "/nonexistent/app_config_spec.xml", "--integration", "n"},
         false,
         2},
        {{"enable", "n", "--group", "Pilot"}, false, 6},
        {{"enable", "n", "--group", "Pilot", "--force"}, false, 0},
        {{"disable", "n"}, false, 2},
        {{"disable", "n", "--yes"}, false, 0},
        {{"delete", "n"}, false, 2},
        {{"delete", "n", "--yes"}, false, 0},
    };

    for (Source source : {Source::file, Source::stdin_pipe, Source::environment}) {
        for (const char* mode : {"", "-v", "--json"}) {
            TempDir state;
            TempDir secrets_dir;
            for (const auto& step : steps)
                run_step(state, step, source, mode, secrets_dir / "pw.txt", canary, secrets);
        }
    }
}

// The commands that send the password to EPMM: `test`, `sync` and `search` (live and cached),
// against the simulator, where the canary is the API user's real password (and, for another user,
// a wrong one). Every request waits 100 ms, so each command lives long enough for the command
// line sampler to see it several times.
TEST_CASE("the EPMM password sent to EPMM by test, sync and search never leaks",
          "[cli][secrets][sim]") {
    const std::string canary = make_canary();
    constexpr const char* kNoRole = "norole@example.com";
    constexpr const char* kOther = "other@example.com";  // whose password is not the canary
    const std::vector<std::string> secrets = {canary, epmm::basic_token(kUser, canary),
                                              epmm::basic_token(kNoRole, canary),
                                              epmm::basic_token(kOther, canary)};
    constexpr const char* kKnown = "3a45b4d5-d2e5-468c-bf4f-149efff463a9";
    constexpr const char* kAbsent = "11111111-2222-4333-8444-555555555555";
    const nlohmann::json slow = {{"kind", "delay"}, {"ms", 100}};

    test::Simulator epmm(test::SimConfig()
                             .user(kUser, canary, {{1, true}})
                             .user(kNoRole, canary, {{1, false}})
                             .user(kOther, "Not-" + canary.substr(0, 8), {{1, true}})
                             .devices(1, 150)
                             .device({{"space", 1}, {"common.uuid", kKnown}})
                             .fault(slow));
    // A server that fails every request (500 is not retried, so this stays quick).
    test::Simulator failing(test::SimConfig()
                                .user(kUser, canary, {{1, true}})
                                .fault(slow)
                                .fault({{"kind", "status"}, {"status", 500}, {"body", "json"}}));

    struct Target {
        const char* name;
        const test::Simulator* sim;
        const char* user;
    };
    const std::vector<Target> targets = {{"ok", &epmm, kUser},
                                         {"norole", &epmm, kNoRole},
                                         {"wrongpw", &epmm, kOther},
                                         {"broken", &failing, kUser}};

    // In order: search --cached needs the sync before it.
    const std::vector<Step> steps = {
        {{"test", "ok"}, true, 0},
        {{"test", "wrongpw"}, true, 4},
        {{"test", "norole"}, true, 4},
        {{"test", "broken"}, true, 5},
        {{"sync", "ok"}, false, 0},
        {{"sync", "wrongpw"}, false, 4},
        {{"sync", "norole"}, false, 4},
        {{"sync", "broken"}, false, 5},
        {{"search", "ok", "--live", kKnown}, false, 0},
        {{"search", "ok", "--live", kAbsent}, false, 3},
        {{"search", "wrongpw", "--live", kKnown}, false, 4},
        {{"search", "broken", "--live", kKnown}, false, 5},
        {{"search", "ok", "--cached", kKnown}, false, 0},
        {{"search", "norole", "--cached", kKnown}, false, 6},  // never synced
    };
    const std::vector<const char*> modes = {"", "-v", "--json"};
    const std::vector<Source> sources = {Source::file, Source::stdin_pipe, Source::environment};

    // Each step runs once per password source, and across the sources in each of the three
    // modes: every step meets every source and every mode, at a third of the full product's cost.
    for (std::size_t s = 0; s < sources.size(); ++s) {
        const Source source = sources[s];
        TempDir state;
        TempDir secrets_dir;
        for (const auto& target : targets) {
            REQUIRE(test::tectl(state.path(),
                                {"create", "--platform", "android", "--name", target.name})
                        .exit_code == 0);
            std::vector<std::string> args = {
                "configure",   target.name,
                "--epmm-host", "127.0.0.1:" + std::to_string(target.sim->port()),
                "--epmm-user", target.user,
                "--cacert",    target.sim->ca_file().string()};
            RunOptions options;
            // With the environment as the source, nothing is stored: sync and search read
            // TECTL_EPMM_PASSWORD themselves.
            if (source != Source::environment) {
                Password pw = password_via(source, secrets_dir / "pw.txt", canary);
                args.insert(args.end(), pw.args.begin(), pw.args.end());
                options = pw.options;
            }
            auto r = test::tectl(state.path(), args, options);
            INFO(r.out << r.err);
            REQUIRE(r.exit_code == 0);
            CHECK_FALSE(holds(r.out + r.err, secrets));
        }

        for (std::size_t n = 0; n < steps.size(); ++n) {
            const Step& step = steps[n];
            const char* mode = modes[(s + n) % modes.size()];
            auto watched =
                run_step(state, step, source, mode, secrets_dir / "pw.txt", canary, secrets);
            // The sampler watched the command itself, not only the moments around it; a cached
            // search sends nothing and may end before a second look.
            INFO("tectl " << step.args[0] << ": " << watched.samples_while_running
                          << " samples while it ran");
            if (std::string(step.args[0]) != "search" || step.args[2] != std::string("--cached"))
                CHECK(watched.samples_while_running >= 5);
        }
        // The sync wrote an index, which check_state_dir searched as well.
        CHECK(std::filesystem::exists(state / "index"));
    }
}

TEST_CASE("a rejected password file is reported without its content", "[cli][secrets]") {
    const std::string canary = make_canary();
    TempDir state;
    TempDir secrets_dir;
    auto file = secrets_dir / "pw.txt";

    for (const std::string& content :
         {canary + "\n" + canary + "-second-line\n", canary + std::string(1, '\0') + "x\n",
          canary + std::string(70 * 1024, 'x')}) {
        test::write_file(file, content);
        for (const char* mode : {"-v", "--json"}) {
            auto r = test::tectl(state.path(),
                                 {mode, "create", "--platform", "ios", "--name", "n", "--epmm-user",
                                  kUser, "--epmm-password-file", file.string()});
            INFO(r.out << r.err);
            CHECK(r.exit_code == 2);
            CHECK(r.out.find(canary) == std::string::npos);
            CHECK(r.err.find(canary) == std::string::npos);
        }
    }
    CHECK_FALSE(fs::exists(state / "state.json"));
}

TEST_CASE("a password file that never ends is refused after 4 KiB", "[cli][secrets][limits]") {
    TempDir state;
    RunOptions options;
    options.timeout = std::chrono::milliseconds(20000);
    auto r = test::tectl(state.path(),
                         {"create", "--platform", "ios", "--name", "n", "--epmm-user", kUser,
                          "--epmm-password-file", "/dev/zero"},
                         options);
    INFO(r.err);
    CHECK_FALSE(r.timed_out);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("too large") != std::string::npos);
    CHECK(r.elapsed < std::chrono::milliseconds(10000));
    CHECK_FALSE(fs::exists(state / "state.json"));
}

TEST_CASE("a directory given as the password file is named as one", "[cli][secrets]") {
    TempDir state;
    TempDir folder;
    auto r = test::tectl(state.path(), {"create", "--platform", "ios", "--name", "n", "--epmm-user",
                                        kUser, "--epmm-password-file", folder.path().string()});
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(folder.path().string() + " is a directory") != std::string::npos);
    CHECK_FALSE(fs::exists(state / "state.json"));
}
