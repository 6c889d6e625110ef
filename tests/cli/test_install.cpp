// `cmake --install` puts the program, its HTTPS module, the man page and the completions where
// the program, man and the shells find them.
#include <catch2/catch.hpp>

#include "support/process.hpp"
#include "support/simulator.hpp"

using namespace tectl;

TEST_CASE("cmake --install into a prefix, where man and the shells find everything",
          "[install][slow]") {
    test::TempDir prefix;
    auto install = test::run(
        {"/usr/bin/cmake", "--install", TECTL_BUILD_DIR, "--prefix", prefix.path().string()});
    INFO(install.out << install.err);
    REQUIRE(install.exit_code == 0);

    auto version = test::run({(prefix / "bin/tectl").string(), "--version"});
    CHECK(version.exit_code == 0);

    // The installed program finds its HTTPS module in the library directory and reaches EPMM.
    CHECK(std::filesystem::exists(prefix / "lib/tectl/tectl-https.so"));
    test::Simulator sim;
    test::RunOptions with_password;
    with_password.env["TECTL_EPMM_PASSWORD"] = test::kSimPassword;
    auto reach = test::run({(prefix / "bin/tectl").string(), "test", "--epmm-host",
                            "127.0.0.1:" + std::to_string(sim.port()), "--epmm-user",
                            test::kSimUser, "--cacert", sim.ca_file().string()},
                           with_password);
    INFO(reach.out << reach.err);
    CHECK(reach.exit_code == 0);
    CHECK(sim.request_count() > 0);

    CHECK(std::filesystem::exists(prefix / "share/man/man1/tectl.1"));
    CHECK(std::filesystem::exists(prefix / "share/bash-completion/completions/tectl"));
    CHECK(std::filesystem::exists(prefix / "share/zsh/vendor-completions/_tectl"));
    CHECK(std::filesystem::exists(prefix / "share/fish/vendor_completions.d/tectl.fish"));

    if (std::filesystem::exists("/usr/bin/man")) {
        auto where =
            test::run({"/usr/bin/man", "-M", (prefix / "share/man").string(), "-w", "tectl"});
        CHECK(where.exit_code == 0);
        CHECK(where.out.find("man1/tectl.1") != std::string::npos);
        test::RunOptions plain;
        plain.env["MANWIDTH"] = "100";
        auto page = test::run(
            {"/usr/bin/man", "--warnings", "-l", (prefix / "share/man/man1/tectl.1").string()},
            plain);
        CHECK(page.exit_code == 0);
        CHECK(page.err.empty());
        CHECK(page.out.find("EXIT STATUS") != std::string::npos);
    } else {
        WARN("man is not installed: only the file locations were checked");
    }

    // bash-completion looks in XDG_DATA_DIRS/bash-completion/completions/<command>.
    auto bash =
        test::run({"/bin/bash", "--noprofile", "--norc", "-c",
                   "source " + (prefix / "share/bash-completion/completions/tectl").string() +
                       " && complete -p tectl"});
    CHECK(bash.exit_code == 0);
    CHECK(bash.out.find("_tectl") != std::string::npos);
}
