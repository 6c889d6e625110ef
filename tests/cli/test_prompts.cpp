// Prompts on a real terminal: `script` gives tectl a pseudo-terminal, fed from a pipe. Input is
// sent after a pause so that it arrives once tectl waits for it, as a person would type it.
#include <catch2/catch.hpp>

#include "support/process.hpp"
#include "tectl/state.hpp"

using namespace tectl;

namespace {

// Runs tectl on a pseudo-terminal, typing `typed` one second after it starts.
test::RunResult on_terminal(const test::TempDir& dir, const std::string& args,
                            const std::string& typed) {
    std::string command =
        std::string(TECTL_BINARY) + " --state-dir " + dir.path().string() + " " + args;
    std::string pipeline =
        "(sleep 1; printf '" + typed + "\\n') | /usr/bin/script -qec '" + command + "' /dev/null";
    test::RunOptions options;
    options.timeout = std::chrono::seconds(20);
    return test::run({"/bin/bash", "-c", pipeline}, options);
}

}  // namespace

TEST_CASE("on a terminal, delete asks and takes no for an answer", "[cli][prompt]") {
    if (!std::filesystem::exists("/usr/bin/script")) {
        WARN("script (util-linux) is not installed: prompt tests not run");
        return;
    }
    test::TempDir dir;
    REQUIRE(test::tectl(dir.path(), {"create", "--platform", "ios", "--name", "i"}).exit_code == 0);

    auto no = on_terminal(dir, "delete i", "n");
    CHECK_FALSE(no.timed_out);
    CHECK(no.out.find("Really delete integration 'i'? [y/N]") != std::string::npos);
    CHECK(no.exit_code == 1);
    CHECK(StateStore(dir.path()).load().integrations.size() == 1);

    auto yes = on_terminal(dir, "delete i", "y");
    CHECK(yes.exit_code == 0);
    CHECK(StateStore(dir.path()).load().integrations.empty());
}

TEST_CASE("on a terminal, the password prompt reads without echo", "[cli][prompt][secrets]") {
    if (!std::filesystem::exists("/usr/bin/script")) {
        WARN("script (util-linux) is not installed: prompt tests not run");
        return;
    }
    test::TempDir dir;
    REQUIRE(test::tectl(dir.path(), {"create", "--platform", "ios", "--name", "i"}).exit_code == 0);
    auto r = on_terminal(dir, "configure i --epmm-user duo@example.com", "typed-Pw-123");
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("EPMM password for duo@example.com:") != std::string::npos);
    CHECK(r.out.find("typed-Pw-123") == std::string::npos);  // the terminal did not echo it
    StateStore store(dir.path());
    CHECK(store.password(store.load().integrations.at(0).id) == "typed-Pw-123");
}
