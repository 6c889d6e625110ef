// The HTTPS transport is the module tectl-https.so, opened only by commands that reach EPMM:
// the others start without loading libcurl, and work even where the module is missing.
#include <catch2/catch.hpp>

#include "support/process.hpp"
#include "support/simulator.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>

using namespace tectl;
using test::RunOptions;
using test::Simulator;
using test::TempDir;

namespace {

std::vector<std::string> adhoc_test(const Simulator& sim) {
    return {"test",
            "--epmm-host",
            "127.0.0.1:" + std::to_string(sim.port()),
            "--epmm-user",
            test::kSimUser,
            "--cacert",
            sim.ca_file().string()};
}

RunOptions tracing_libraries() {
    RunOptions options;
    options.env["LD_DEBUG"] = "files";  // the dynamic loader names every library it opens
    options.env["TECTL_EPMM_PASSWORD"] = test::kSimPassword;
    return options;
}

// `program` with `args`, state in `state`.
test::RunResult run_program(const std::filesystem::path& program,
                            const std::filesystem::path& state, std::vector<std::string> args,
                            RunOptions options = {}) {
    args.insert(args.begin(), {program.string(), "--state-dir", state.string()});
    return test::run(args, options);
}

}  // namespace

TEST_CASE("commands that stay offline do not load libcurl; EPMM commands do", "[cli][module]") {
    TempDir dir;
    for (std::vector<std::string> args : {std::vector<std::string>{"--version"},
                                          {"create", "--platform", "ios", "--name", "Phones"},
                                          {"list", "--json"},
                                          {"show", "Phones", "--json"}}) {
        auto r = test::tectl(dir.path(), args, tracing_libraries());
        INFO(args[0] << ": " << r.err.substr(0, 2000));
        CHECK(r.exit_code == 0);
        CHECK(r.err.find("libcurl") == std::string::npos);
        CHECK(r.err.find("tectl-https.so") == std::string::npos);
    }

    Simulator sim;
    auto r = test::tectl(dir.path(), adhoc_test(sim), tracing_libraries());
    INFO(r.out << r.err.substr(0, 2000));
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("tectl-https.so") != std::string::npos);
    CHECK(r.err.find("libcurl.so") != std::string::npos);
}

TEST_CASE("a program without its HTTPS module works offline and says what is missing",
          "[cli][module]") {
    TempDir bin;
    TempDir state;
    auto program = bin / "tectl";
    std::filesystem::copy_file(TECTL_BINARY, program);

    Simulator sim;
    RunOptions with_password;
    with_password.env["TECTL_EPMM_PASSWORD"] = test::kSimPassword;
    CHECK(run_program(program, state.path(), {"--version"}).exit_code == 0);
    auto create = adhoc_test(sim);
    create[0] = "create";
    create.insert(create.end(), {"--platform", "ios", "--name", "P"});
    auto created = run_program(program, state.path(), create, with_password);
    INFO(created.out << created.err);
    REQUIRE(created.exit_code == 0);
    auto before = test::read_file(state / "state.json");

    // The stored integration: the missing module is this machine's fault, so no check is
    // reported failed and no outcome recorded.
    auto r = run_program(program, state.path(), {"test", "P"}, with_password);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("tectl's HTTPS module tectl-https.so is missing (looked for " +
                     (bin / "tectl-https.so").string()) != std::string::npos);
    CHECK(r.err.find("reinstall tectl") != std::string::npos);
    CHECK(r.out.find("FAIL") == std::string::npos);
    CHECK(test::read_file(state / "state.json") == before);
    auto json = run_program(program, state.path(), {"--json", "test", "P"}, with_password);
    INFO(json.out);
    CHECK(json.exit_code == 1);
    auto error = nlohmann::json::parse(json.out)["error"];
    CHECK(error["kind"] == "failure");
    CHECK(error["message"].get<std::string>().find("tectl-https.so is missing") !=
          std::string::npos);
    CHECK(sim.request_count() == 0);

    auto sync = run_program(program, state.path(), {"sync", "P"}, with_password);
    INFO(sync.out << sync.err);
    CHECK(sync.exit_code == 1);
    CHECK(sync.err.find("tectl-https.so is missing") != std::string::npos);
    CHECK(test::read_file(state / "state.json") == before);

    // A directory by that name is not taken for the module (nor would a FIFO be opened).
    std::filesystem::create_directory(bin / "tectl-https.so");
    auto directory = run_program(program, state.path(), adhoc_test(sim), with_password);
    CHECK(directory.exit_code == 1);
    CHECK(directory.err.find((bin / "tectl-https.so").string() + " (not a file)") !=
          std::string::npos);
    std::filesystem::remove(bin / "tectl-https.so");

    // Something else by that name: the loader's own message, not a crash.
    test::write_file(bin / "tectl-https.so", "not a shared object\n");
    auto broken = run_program(program, state.path(), adhoc_test(sim), with_password);
    INFO(broken.out << broken.err);
    CHECK(broken.exit_code == 1);
    CHECK(broken.err.find("cannot load tectl's HTTPS module " +
                          (bin / "tectl-https.so").string()) != std::string::npos);
    CHECK(broken.err.find("reinstall tectl: the module must come from the same build") !=
          std::string::npos);

    // A module of another build: refused by its interface number, before any call into it.
    std::filesystem::copy_file(TECTL_FOREIGN_MODULE, bin / "tectl-https.so",
                               std::filesystem::copy_options::overwrite_existing);
    auto foreign = run_program(program, state.path(), adhoc_test(sim), with_password);
    INFO(foreign.out << foreign.err);
    CHECK(foreign.exit_code == 1);
    CHECK(foreign.err.find((bin / "tectl-https.so").string() +
                           " belongs to another build of tectl (version 0.0.1") !=
          std::string::npos);
    CHECK(sim.request_count() == 0);
}
