// Shell integration: completion scripts and the man page agree with the program's command tree.
#include <catch2/catch.hpp>

#include "support/process.hpp"

#include <regex>
#include <set>

using namespace tectl;

namespace {

std::string completion(const std::string& shell) {
    auto r = test::run({TECTL_BINARY, "completion", shell});
    REQUIRE(r.exit_code == 0);
    return r.out;
}

// What bash completion offers for a command line whose last word is being typed.
std::string complete_bash(const std::string& line) {
    std::string script = completion("bash");
    test::TempDir dir;
    test::write_file(dir / "tectl.bash", script);
    std::string program = "source " + (dir / "tectl.bash").string() + "\n" + "COMP_LINE='" + line +
                          "'\n" +
                          "read -ra COMP_WORDS <<< \"$COMP_LINE\"\n"
                          "[[ $COMP_LINE == *' ' ]] && COMP_WORDS+=('')\n"
                          "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n"
                          "_tectl\n"
                          "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
    auto r = test::run({"/bin/bash", "--noprofile", "--norc", "-c", program});
    REQUIRE(r.exit_code == 0);
    return r.out;
}

// The commands `tectl --help` lists.
std::set<std::string> program_commands() {
    auto help = test::run({TECTL_BINARY, "--help"});
    std::set<std::string> out;
    auto at = help.out.find("Subcommands:");
    REQUIRE(at != std::string::npos);
    std::regex line(R"(\n  ([a-z][a-z-]*) )");
    std::string rest = help.out.substr(at);
    rest = rest.substr(0, rest.find("\n\n", 1));
    for (std::sregex_iterator it(rest.begin(), rest.end(), line), end; it != end; ++it) {
        out.insert((*it)[1]);
    }
    return out;
}

}  // namespace

TEST_CASE("bash completion offers commands, options and values", "[shell][completion]") {
    CHECK(complete_bash("tectl cr") == "create\n");
    CHECK(complete_bash("tectl create --plat") == "--platform\n");
    std::string platforms = complete_bash("tectl create --platform ");
    CHECK(platforms == "android\nios\n");
    CHECK(complete_bash("tectl --json li") == "list\n");
    CHECK(complete_bash("tectl enable x --a") == "--all\n");
    CHECK(complete_bash("tectl completion ").find("zsh") != std::string::npos);
    CHECK(complete_bash("tectl list --col") == "--color\n");
}

TEST_CASE("the committed completion scripts are what the program generates",
          "[shell][completion]") {
    CHECK(test::read_file(TECTL_SOURCE_DIR "/completions/tectl.bash") == completion("bash"));
    CHECK(test::read_file(TECTL_SOURCE_DIR "/completions/_tectl") == completion("zsh"));
    CHECK(test::read_file(TECTL_SOURCE_DIR "/completions/tectl.fish") == completion("fish"));
}

TEST_CASE("the zsh and fish scripts parse", "[shell][completion]") {
    CHECK(completion("zsh").find("#compdef tectl") == 0);
    CHECK(completion("fish").find("complete -c tectl") != std::string::npos);
    if (std::filesystem::exists("/usr/bin/zsh")) {
        test::TempDir dir;
        test::write_file(dir / "_tectl", completion("zsh"));
        CHECK(test::run({"/usr/bin/zsh", "-n", (dir / "_tectl").string()}).exit_code == 0);
    }
    if (std::filesystem::exists("/usr/bin/fish")) {
        test::TempDir dir;
        test::write_file(dir / "tectl.fish", completion("fish"));
        CHECK(test::run({"/usr/bin/fish", "-n", (dir / "tectl.fish").string()}).exit_code == 0);
    }
}

TEST_CASE("every command is in the man page, and the man page names no other", "[shell][man]") {
    std::string man = test::read_file(TECTL_SOURCE_DIR "/man/tectl.1");
    REQUIRE_FALSE(man.empty());
    std::set<std::string> documented;
    std::regex heading(R"(\n\.SS "?tectl ([a-z-]+))");
    for (std::sregex_iterator it(man.begin(), man.end(), heading), end; it != end; ++it) {
        documented.insert((*it)[1]);
    }
    CHECK(documented == program_commands());
}

TEST_CASE("every option of every command is in the man page", "[shell][man]") {
    std::string man = test::read_file(TECTL_SOURCE_DIR "/man/tectl.1");
    std::regex option(R"((--[a-z][a-z-]+))");
    for (const auto& command : program_commands()) {
        auto help = test::run({TECTL_BINARY, command, "--help"});
        for (std::sregex_iterator it(help.out.begin(), help.out.end(), option), end; it != end;
             ++it) {
            std::string name = (*it)[1];
            // troff escapes '-' as '\-'.
            std::string escaped = std::regex_replace(name, std::regex("-"), "\\-");
            INFO(command << " " << name);
            CHECK((man.find(name) != std::string::npos || man.find(escaped) != std::string::npos));
        }
    }
}
