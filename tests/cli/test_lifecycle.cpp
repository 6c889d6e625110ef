// The lifecycle commands end to end: the real tectl binary against a temporary state directory.
#include <catch2/catch.hpp>

#include "support/process.hpp"
#include "tectl/lifecycle.hpp"
#include "tectl/state.hpp"

#include <nlohmann/json.hpp>

using namespace tectl;
using test::RunOptions;
using test::TempDir;

namespace {

std::string create_id(const TempDir& dir, std::vector<std::string> args) {
    args.insert(args.begin(), "create");
    auto r = test::tectl(dir.path(), args);
    REQUIRE(r.exit_code == 0);
    std::string id = r.out.substr(0, r.out.find('\n'));
    REQUIRE(id.size() == 20);
    return id;
}

nlohmann::json json_of(const test::RunResult& r) {
    INFO(r.out << r.err);
    return nlohmann::json::parse(r.out);
}

// The state files as bytes, to show that a refused command changed nothing.
std::string snapshot(const TempDir& dir) {
    return test::read_file(dir / "state.json") + "\n--\n" +
           test::read_file(dir / "credentials.json");
}

void pass_test(const TempDir& dir, const std::string& ref) {
    StateStore store(dir.path());
    record_test(store, ref,
                ConfigTest{store.now(), true, "11.12.0.0", {{"credentials", true, ""}}});
}

}  // namespace

TEST_CASE("create prints the new id and starts disabled", "[cli][create]") {
    TempDir dir;
    std::string id = create_id(dir, {"--platform", "ios", "--name", "ios-prod"});
    CHECK(id.rfind("DI", 0) == 0);
    auto show = json_of(test::tectl(dir.path(), {"show", id, "--json"}));
    CHECK(show["integration"]["status"] == "disabled");
    CHECK(show["integration"]["platform"] == "ios");
    CHECK(show["integration"]["config_key"].get<std::string>().size() == 19);
}

TEST_CASE("create takes the configuration key copied from Duo", "[cli][create]") {
    TempDir dir;
    create_id(dir, {"--platform", "android", "--name", "a", "--config-key", "DPK0W0KLPJLOGSKHTDD"});
    auto show = json_of(test::tectl(dir.path(), {"--json", "show", "a"}));
    CHECK(show["integration"]["config_key"] == "DPK0W0KLPJLOGSKHTDD");
}

TEST_CASE("the same create twice is unchanged; other settings for the name conflict",
          "[cli][create]") {
    TempDir dir;
    std::vector<std::string> args{"create",
                                  "--platform",
                                  "android",
                                  "--name",
                                  "a",
                                  "--epmm-host",
                                  "https://EPMM.example.com/"};
    auto first = test::tectl(dir.path(), args);
    REQUIRE(first.exit_code == 0);
    args.push_back("--json");
    auto again = test::tectl(dir.path(), args);
    CHECK(again.exit_code == 0);
    CHECK(json_of(again)["changed"] == false);
    CHECK(json_of(again)["id"] == first.out.substr(0, 20));

    std::string before = snapshot(dir);
    auto other = test::tectl(dir.path(), {"create", "--platform", "ios", "--name", "a"});
    CHECK(other.exit_code == 6);
    CHECK(other.err.find("already exists with other settings") != std::string::npos);
    CHECK(snapshot(dir) == before);
    CHECK(StateStore(dir.path()).load().integrations.size() == 1);
}

TEST_CASE("legacy iOS certificate integrations cannot be created", "[cli][create]") {
    TempDir dir;
    auto r = test::tectl(dir.path(), {"create", "--platform", "ios-certificate"});
    CHECK(r.exit_code == 6);
    CHECK(r.err.find("7 October 2024") != std::string::npos);
    CHECK(r.err.find("--platform ios") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir / "state.json"));
}

TEST_CASE("bad input to create is a usage error and changes nothing", "[cli][create]") {
    TempDir dir;
    create_id(dir, {"--platform", "android", "--name", "keep"});
    std::string before = snapshot(dir);
    test::write_file(dir / "empty-pw", "");
    const std::vector<std::vector<std::string>> bad = {
        {"--platform", "windows"},
        {"--platform", "ios", "--config-key", "DPK123"},
        {"--platform", "ios", "--epmm-host", "https:/epmm.example.com"},
        {"--platform", "ios", "--epmm-host", ""},
        {"--platform", "ios", "--epmm-user", "duo:api@example.com"},
        {"--platform", "ios", "--epmm-password-file", (dir / "missing").string()},
        {"--platform", "ios", "--epmm-password-file", (dir / "empty-pw").string()},
        {"--platform", "ios", "--cacert", (dir / "missing.pem").string()},
        {"--platform", "ios", "--space", "0"},
        {"--platform", "ios", "--space", "seven"},
        {"--platform", "ios", "--name", ""},
        {"--name", "no-platform"},
    };
    for (auto args : bad) {
        args.insert(args.begin(), "create");
        auto r = test::tectl(dir.path(), args);
        INFO(r.err);
        CHECK(r.exit_code == 2);
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);  // one line
        CHECK(r.err.find("tectl: error:") == 0);
        CHECK(r.err.find("host named") == std::string::npos);
    }
    CHECK(snapshot(dir) == before);
}

TEST_CASE("the EPMM password comes from a file, stdin or the environment, never state.json",
          "[cli][create][secrets]") {
    TempDir dir;
    test::write_file(dir / "pw", "Pä$$wörd€:1\n");
    create_id(dir, {"--platform", "ios", "--name", "f", "--epmm-user", "a@example.com",
                    "--epmm-password-file", (dir / "pw").string()});
    RunOptions from_stdin;
    from_stdin.stdin_data = "from-stdin-pw\n";
    CHECK(test::tectl(dir.path(),
                      {"create", "--platform", "ios", "--name", "s", "--epmm-password-file", "-"},
                      from_stdin)
              .exit_code == 0);
    RunOptions from_env;
    from_env.env["TECTL_EPMM_PASSWORD"] = "from-env-pw";
    CHECK(test::tectl(dir.path(), {"create", "--platform", "ios", "--name", "e"}, from_env)
              .exit_code == 0);

    StateStore store(dir.path());
    StateDoc doc = store.load();
    CHECK(store.password(doc.find("f")->id) == "Pä$$wörd€:1");
    CHECK(store.password(doc.find("s")->id) == "from-stdin-pw");
    CHECK(store.password(doc.find("e")->id) == "from-env-pw");
    std::string state = test::read_file(store.state_file());
    for (const char* secret : {"Pä$$", "from-stdin-pw", "from-env-pw"}) {
        CHECK(state.find(secret) == std::string::npos);
        CHECK(test::read_file(store.audit_file()).find(secret) == std::string::npos);
    }
    auto shown = test::tectl(dir.path(), {"show", "f", "--json"});
    CHECK(json_of(shown)["integration"]["has_password"] == true);
    CHECK(shown.out.find("Pä$$") == std::string::npos);
}

TEST_CASE("configure saves API details and marks a tested integration untested",
          "[cli][configure]") {
    TempDir dir;
    std::string id = create_id(dir, {"--platform", "android", "--name", "a"});
    pass_test(dir, id);
    auto r = test::tectl(
        dir.path(), {"configure", "a", "--epmm-host", "HTTPS://EPMM.Example.com:8443/",
                     "--epmm-user", "duo@example.com", "--space", "4", "--space", "1", "--json"});
    REQUIRE(r.exit_code == 0);
    auto doc = json_of(r);
    CHECK(doc["changed"] == true);
    CHECK(doc["integration"]["epmm"]["host"] == "epmm.example.com");
    CHECK(doc["integration"]["epmm"]["port"] == 8443);
    CHECK(doc["integration"]["epmm"]["spaces"] == nlohmann::json::array({1, 4}));
    CHECK(doc["integration"]["last_test"].is_null());
    CHECK(r.err.find("removed the scheme") != std::string::npos);
    CHECK(r.err.find("untested") != std::string::npos);

    auto again = test::tectl(dir.path(),
                             {"configure", id, "--epmm-host", "epmm.example.com:8443", "--json"});
    CHECK(again.exit_code == 0);
    CHECK(json_of(again)["changed"] == false);
}

TEST_CASE("configure refuses nothing-to-change and unknown integrations", "[cli][configure]") {
    TempDir dir;
    create_id(dir, {"--platform", "android", "--name", "a"});
    std::string before = snapshot(dir);
    CHECK(test::tectl(dir.path(), {"configure", "a"}).exit_code == 2);
    auto unknown = test::tectl(dir.path(), {"configure", "nope", "--epmm-host", "x.example"});
    CHECK(unknown.exit_code == 3);
    CHECK(unknown.err.find("tectl list") != std::string::npos);
    CHECK(snapshot(dir) == before);
}

TEST_CASE("a new configuration key raises the spec file version", "[cli][configure]") {
    TempDir dir;
    create_id(dir, {"--platform", "ios", "--name", "i"});
    auto r = test::tectl(dir.path(),
                         {"configure", "i", "--config-key", "DPK0W0KLPJLOGSKHTDD", "--json"});
    REQUIRE(r.exit_code == 0);
    CHECK(json_of(r)["integration"]["spec_version"] == 2);
}

TEST_CASE("list and show, by id or name, as text and JSON", "[cli][list][show]") {
    TempDir dir;
    auto empty = test::tectl(dir.path(), {"list", "--json"});
    CHECK(empty.exit_code == 0);
    CHECK(json_of(empty)["integrations"].empty());

    std::string id = create_id(dir, {"--platform", "android", "--name", "a"});
    create_id(dir, {"--platform", "ios", "--name", "b"});
    auto list = test::tectl(dir.path(), {"list"});
    CHECK(list.exit_code == 0);
    CHECK(list.out.find(id) != std::string::npos);
    CHECK(list.out.find("\033[") == std::string::npos);  // no colour off a terminal
    CHECK(json_of(test::tectl(dir.path(), {"list", "--json"}))["integrations"].size() == 2);

    auto by_name = test::tectl(dir.path(), {"show", "a"});
    auto by_id = test::tectl(dir.path(), {"show", id});
    CHECK(by_name.exit_code == 0);
    CHECK(by_name.out == by_id.out);
    CHECK(by_name.out.find("disabled") != std::string::npos);
    auto missing = test::tectl(dir.path(), {"show", "zzz", "--json"});
    CHECK(missing.exit_code == 3);
    CHECK(json_of(missing)["error"]["kind"] == "not_found");
}

TEST_CASE("enable needs a passed configuration test unless forced", "[cli][enable]") {
    TempDir dir;
    create_id(dir, {"--platform", "android", "--name", "a"});
    std::string before = snapshot(dir);
    auto refused = test::tectl(dir.path(), {"enable", "a", "--group", "pilot"});
    CHECK(refused.exit_code == 6);
    CHECK(refused.err.find("tectl test a") != std::string::npos);
    CHECK(snapshot(dir) == before);

    auto forced = test::tectl(dir.path(), {"enable", "a", "--group", "pilot", "--force", "--json"});
    CHECK(forced.exit_code == 0);
    CHECK(json_of(forced)["status"] == "test-group");
}

TEST_CASE("enable for a test group, then for all users with confirmation", "[cli][enable]") {
    TempDir dir;
    create_id(dir, {"--platform", "ios", "--name", "i"});
    pass_test(dir, "i");

    auto group = test::tectl(dir.path(), {"enable", "i", "--group", "pilot", "--json"});
    CHECK(group.exit_code == 0);
    CHECK(json_of(group)["integration"]["test_groups"] == nlohmann::json::array({"pilot"}));
    auto same = test::tectl(dir.path(), {"enable", "i", "--group", "pilot", "--json"});
    CHECK(json_of(same)["changed"] == false);

    std::string before = snapshot(dir);
    auto no_yes = test::tectl(dir.path(), {"enable", "i", "--all"});
    CHECK(no_yes.exit_code == 2);
    CHECK(no_yes.err.find("--yes") != std::string::npos);
    CHECK(no_yes.elapsed < std::chrono::seconds(5));  // never waits for an answer
    CHECK(snapshot(dir) == before);

    auto all = test::tectl(dir.path(), {"enable", "i", "--all", "--yes", "--json"});
    CHECK(all.exit_code == 0);
    CHECK(json_of(all)["status"] == "all-users");
    CHECK(test::tectl(dir.path(), {"enable", "i", "--all", "--group", "x"}).exit_code == 2);
    CHECK(test::tectl(dir.path(), {"enable", "i"}).exit_code == 2);
}

TEST_CASE("disable asks off a terminal for --yes, and is unchanged when already disabled",
          "[cli][disable]") {
    TempDir dir;
    create_id(dir, {"--platform", "ios", "--name", "i"});
    CHECK(json_of(test::tectl(dir.path(), {"disable", "i", "--json"}))["changed"] == false);
    pass_test(dir, "i");
    REQUIRE(test::tectl(dir.path(), {"enable", "i", "--group", "g"}).exit_code == 0);
    CHECK(test::tectl(dir.path(), {"disable", "i"}).exit_code == 2);
    RunOptions no_input;
    no_input.env["TECTL_NO_INPUT"] = "1";
    CHECK(test::tectl(dir.path(), {"disable", "i"}, no_input).exit_code == 2);
    auto done = test::tectl(dir.path(), {"disable", "i", "--yes", "--json"});
    CHECK(done.exit_code == 0);
    CHECK(json_of(done)["status"] == "disabled");
}

TEST_CASE("delete warns as the vendor does, needs --yes, and removes the password",
          "[cli][delete]") {
    TempDir dir;
    RunOptions env;
    env.env["TECTL_EPMM_PASSWORD"] = "pw-to-delete";
    REQUIRE(
        test::tectl(dir.path(), {"create", "--platform", "ios", "--name", "i"}, env).exit_code ==
        0);
    auto refused = test::tectl(dir.path(), {"delete", "i"});
    CHECK(refused.exit_code == 2);
    CHECK(refused.err.find("invalidates") != std::string::npos);
    CHECK(refused.err.find("policy") != std::string::npos);
    CHECK(refused.err.find("disable the Duo API user") != std::string::npos);

    auto done = test::tectl(dir.path(), {"delete", "i", "--yes"});
    CHECK(done.exit_code == 0);
    CHECK(test::read_file(dir / "credentials.json").find("pw-to-delete") == std::string::npos);
    CHECK(test::tectl(dir.path(), {"show", "i"}).exit_code == 3);
    CHECK(test::tectl(dir.path(), {"delete", "i", "--yes"}).exit_code == 3);
}

TEST_CASE("a dry run reports the change and writes nothing", "[cli]") {
    TempDir dir;
    auto r = test::tectl(dir.path(), {"--dry-run", "create", "--platform", "ios", "--json"});
    CHECK(r.exit_code == 0);
    CHECK(json_of(r)["changed"] == true);
    CHECK_FALSE(std::filesystem::exists(dir / "state.json"));
}

TEST_CASE("global options work before and after the command", "[cli]") {
    TempDir dir;
    create_id(dir, {"--platform", "ios", "--name", "i"});
    auto before = test::run({TECTL_BINARY, "--json", "--state-dir", dir.path().string(), "list"});
    auto after = test::run({TECTL_BINARY, "list", "--state-dir", dir.path().string(), "--json"});
    CHECK(before.exit_code == 0);
    CHECK(before.out == after.out);
    CHECK(json_of(after)["integrations"].size() == 1);
}

TEST_CASE("the state directory comes from TECTL_STATE_DIR", "[cli]") {
    TempDir dir;
    RunOptions env;
    env.env["TECTL_STATE_DIR"] = (dir / "st").string();
    CHECK(test::run({TECTL_BINARY, "create", "--platform", "ios"}, env).exit_code == 0);
    CHECK(std::filesystem::exists(dir / "st" / "state.json"));
}

TEST_CASE("corrupt and future state files are reported and left untouched", "[cli]") {
    TempDir dir;
    test::write_file(dir / "state.json", "{ torn");
    auto corrupt = test::tectl(dir.path(), {"create", "--platform", "ios"});
    CHECK(corrupt.exit_code == 1);
    CHECK(corrupt.err.find((dir / "state.json").string()) != std::string::npos);
    CHECK(test::read_file(dir / "state.json") == "{ torn");
    CHECK(test::tectl(dir.path(), {"list"}).exit_code == 1);

    test::write_file(dir / "state.json", R"({"schema_version": 9, "integrations": []})");
    auto future = test::tectl(dir.path(), {"create", "--platform", "ios"});
    CHECK(future.exit_code == 6);
    CHECK(future.err.find("newer tectl") != std::string::npos);
}

TEST_CASE("parse errors exit 2, unknown commands get a suggestion", "[cli]") {
    TempDir dir;
    auto typo = test::tectl(dir.path(), {"creat", "--platform", "ios"});
    CHECK(typo.exit_code == 2);
    CHECK(typo.err.find("did you mean 'create'") != std::string::npos);
    CHECK(test::tectl(dir.path(), {"list", "--bogus"}).exit_code == 2);
    CHECK(test::tectl(dir.path(), {}).exit_code == 2);
    CHECK(test::tectl(dir.path(), {"--color", "purple", "list"}).exit_code == 2);
}

TEST_CASE("parse errors under --json print the JSON error too", "[cli]") {
    TempDir dir;
    const std::vector<std::vector<std::string>> lines = {
        {"--json"},
        {"--json", "creat"},
        {"--json", "list", "--bogus"},
        {"list", "--json", "--bogus"},
        {"--json", "--timeout", "abc", "list"},
        {"--json", "show"},
        {"--json", "sync", "x", "--connections", "9"},
    };
    for (const auto& args : lines) {
        auto r = test::tectl(dir.path(), args);
        INFO(r.out << r.err);
        CHECK(r.exit_code == 2);
        auto error = nlohmann::json::parse(r.out)["error"];
        CHECK(error["kind"] == "usage");
        CHECK(error["exit_code"] == 2);
        CHECK_FALSE(error["message"].get<std::string>().empty());
        CHECK(error["hint"].get<std::string>().find("--help") != std::string::npos);
        CHECK_FALSE(r.err.empty());  // the line for people is still there
    }
    // After "--", "--json" is a word like any other, not the option.
    auto literal = test::tectl(dir.path(), {"list", "--bogus", "--", "--json"});
    CHECK(literal.exit_code == 2);
    CHECK(literal.out.empty());
}

TEST_CASE("version and help with examples and exit codes", "[cli]") {
    auto version = test::run({TECTL_BINARY, "--version"});
    CHECK(version.exit_code == 0);
    CHECK(version.out.find("tectl ") == 0);
    auto help = test::run({TECTL_BINARY, "--help"});
    CHECK(help.exit_code == 0);
    CHECK(help.out.find("Examples:") != std::string::npos);
    CHECK(help.out.find("Exit status:") != std::string::npos);
    for (const char* command :
         {"create", "configure", "list", "show", "enable", "disable", "delete"}) {
        INFO(command);
        auto r = test::run({TECTL_BINARY, command, "--help"});
        CHECK(r.exit_code == 0);
        CHECK(r.out.find("Examples:") != std::string::npos);
    }
}
