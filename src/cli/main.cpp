// tectl: Duo Trusted Endpoints for Ivanti EPMM, from the command line.
//
// main builds the command tree, parses, and is the one place where errors become exit codes.

#include "commands.hpp"

#include "tectl/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>

namespace {

using tectl::cli::Context;

constexpr std::string_view kExitCodes =
    "\nExit status:\n"
    "  0    success (search: every identifier found; appconfig check: ready to upload)\n"
    "  1    any other failure (appconfig check: the spec file has problems)\n"
    "  2    usage error: bad flag, bad value, missing input\n"
    "  3    not found: integration or device\n"
    "  4    EPMM rejected the credentials, or the API user lacks the role or space\n"
    "  5    network, TLS, timeout or EPMM server error (after retries)\n"
    "  6    conflict: the state forbids it (exists with other settings, untested, legacy)\n"
    "  130  interrupted (143 for SIGTERM)\n";

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
            diagonal = up;
        }
    }
    return row[b.size()];
}

// The first bare word of the command line, when it is not a known command.
std::optional<std::string> unknown_command(const CLI::App& app, int argc, char** argv) {
    static const std::vector<std::string> with_value = {"--state-dir", "--color", "--timeout"};
    for (int n = 1; n < argc; ++n) {
        std::string arg = argv[n];
        if (arg == "--")
            return std::nullopt;
        if (std::find(with_value.begin(), with_value.end(), arg) != with_value.end()) {
            ++n;
            continue;
        }
        if (arg.starts_with("-"))
            continue;
        for (const auto* sub : app.get_subcommands({})) {
            if (sub->get_name() == arg)
                return std::nullopt;
        }
        return arg;
    }
    return std::nullopt;
}

std::string nearest_command(const CLI::App& app, const std::string& word) {
    std::string best;
    std::size_t best_distance = 3;
    for (const auto* sub : app.get_subcommands({})) {
        std::size_t d = edit_distance(word, sub->get_name());
        if (sub->get_name().starts_with(word))
            d = std::min<std::size_t>(d, 1);
        if (d < best_distance) {
            best_distance = d;
            best = sub->get_name();
        }
    }
    return best;
}

void add_global_options(CLI::App& app, tectl::cli::GlobalOptions& g) {
    const char* group = "Global options";
    app.add_flag("--json", g.json, "print one JSON document on stdout")->group(group);
    app.add_flag("--no-input", g.no_input, "never prompt (also TECTL_NO_INPUT=1)")->group(group);
    app.add_flag("-y,--yes", g.yes, "confirm broad or destructive changes")->group(group);
    app.add_flag("--dry-run", g.dry_run, "show what would change, change nothing")->group(group);
    app.add_flag("-v,--verbose", g.verbose, "tell what is being done (repeatable)")->group(group);
    app.add_flag("-q,--quiet", g.quiet, "print only results and errors")->group(group);
    app.add_option("--color", g.color, "colour: auto, always or never")
        ->type_name("WHEN")
        ->check(CLI::IsMember({"auto", "always", "never"}))
        ->group(group);
    app.add_option("--state-dir", g.state_dir,
                   "state directory (else TECTL_STATE_DIR, XDG_STATE_HOME/tectl, "
                   "~/.local/state/tectl)")
        ->type_name("DIR")
        ->group(group);
    app.add_option("--timeout", g.timeout, "seconds allowed for each EPMM request (default 30)")
        ->type_name("SECONDS")
        ->check(CLI::Range(1.0, 3600.0))
        ->group(group);
}

// The exit code of an error; an interrupted command exits as the shell reports a process ended by
// that signal: 130 for SIGINT, 143 for SIGTERM.
int exit_code_of(const tectl::Error& e) {
    int signo = tectl::cli::interrupt_signal();
    if (e.kind() == tectl::ErrorKind::interrupted && signo > 0)
        return 128 + signo;
    return tectl::exit_code(e.kind());
}

// The error document of --json on standard output.
void emit_json_error(const tectl::Error& e) {
    nlohmann::json doc = {{"error",
                           {{"kind", tectl::kind_name(e.kind())},
                            {"message", e.what()},
                            {"hint", e.hint()},
                            {"exit_code", exit_code_of(e)}}}};
    std::cout << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

int report(const Context& ctx, const tectl::Error& e) {
    std::string line = fmt::format("tectl: error: {}", e.what());
    if (!e.hint().empty())
        line += fmt::format("; {}", e.hint());
    std::cerr << line << '\n';
    if (ctx.global.json)
        emit_json_error(e);
    return exit_code_of(e);
}

// Whether --json was asked for, read from the words themselves: when the command line does not
// parse, the option was never set, yet a script still expects its JSON error.
bool json_requested(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        std::string_view word = argv[i];
        if (word == "--")
            return false;
        if (word == "--json")
            return true;
    }
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    tectl::cli::install_signal_handlers();
    Context ctx;

    CLI::App app{"tectl connects Duo Trusted Endpoints to Ivanti EPMM (formerly MobileIron Core)",
                 "tectl"};
    app.fallthrough();
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("tectl ") + TECTL_VERSION);
    add_global_options(app, ctx.global);
    app.get_formatter()->column_width(32);
    app.footer(std::string(tectl::cli::examples({
                   "tectl create --platform ios --name ios-prod",
                   "tectl configure ios-prod --epmm-host epmm.example.com \\",
                   "    --epmm-user duo-api@example.com --epmm-password-file pw.txt",
                   "tectl test ios-prod",
                   "tectl enable ios-prod --group duo-pilot",
               })) +
               std::string(kExitCodes));

    tectl::cli::setup_create(app, ctx);
    tectl::cli::setup_configure(app, ctx);
    tectl::cli::setup_list(app, ctx);
    tectl::cli::setup_show(app, ctx);
    tectl::cli::setup_test(app, ctx);
    tectl::cli::setup_appconfig(app, ctx);
    tectl::cli::setup_search(app, ctx);
    tectl::cli::setup_sync(app, ctx);
    tectl::cli::setup_enable(app, ctx);
    tectl::cli::setup_disable(app, ctx);
    tectl::cli::setup_delete(app, ctx);
    tectl::cli::setup_completion(app, ctx);

    // Runs once every option is parsed, before the command's callback.
    app.parse_complete_callback([&ctx] { ctx.start(); });

    try {
        app.parse(argc, argv);
        return ctx.exit_status;
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        bool json = json_requested(argc, argv);
        if (auto word = unknown_command(app, argc, argv)) {
            std::string near = nearest_command(app, *word);
            std::cerr << fmt::format("tectl: error: unknown command '{}'{}", *word,
                                     near.empty() ? "" : "; did you mean '" + near + "'?")
                      << " (run 'tectl --help' for the list)\n";
            if (json)
                emit_json_error(tectl::Error(tectl::ErrorKind::usage,
                                             fmt::format("unknown command '{}'", *word),
                                             (near.empty() ? "" : "did you mean '" + near + "'? ") +
                                                 "run 'tectl --help' for the list"));
            return 2;
        }
        std::string help =
            "run 'tectl " +
            (app.get_subcommands().empty() ? std::string("")
                                           : app.get_subcommands().front()->get_name() + " ") +
            "--help'";
        std::cerr << "tectl: error: " << e.what() << " (" << help << ")\n";
        if (json)
            emit_json_error(tectl::Error(tectl::ErrorKind::usage, e.what(), help));
        return 2;
    } catch (const tectl::Error& e) {
        return report(ctx, e);
    } catch (const std::exception& e) {
        std::cerr << "tectl: error: " << e.what() << '\n';
        return 1;
    }
}
