#include "commands.hpp"

#include "tectl/config_test.hpp"
#include "tectl/error.hpp"
#include "tectl/lifecycle.hpp"

#include <fmt/format.h>

#include <cmath>

namespace tectl::cli {
namespace {

struct TestOptions {
    std::string integration;  // empty: ad-hoc settings from the EPMM options
    EpmmOptions epmm;
};

// What to test: the stored settings of an integration, with any options given on top, or the
// options alone.
struct Target {
    std::optional<Integration> integration;
    ConfigTestInput input;
    bool overridden = false;  // options changed the stored settings: do not record
};

Target target_for(Context& ctx, const TestOptions& options) {
    Target target;
    EpmmChanges changes = epmm_changes(ctx, options.epmm);
    std::optional<std::string> password = changes.password;
    changes.password.reset();

    if (!options.integration.empty()) {
        StateDoc doc = ctx.store().load();
        for (const auto& w : ctx.store().warnings())
            ctx.warn(w);
        target.integration = find_integration(doc, options.integration);
        target.input.settings = target.integration->epmm;
        target.overridden = !changes.empty() || options.epmm.password_file_opt->count() > 0;
        // The stored password is the one sync will use; only an explicit file overrides it.
        if (options.epmm.password_file_opt->count() == 0) {
            if (auto stored = ctx.store().password(target.integration->id))
                password = stored;
        }
    }
    print_notes(ctx, apply_epmm_changes(target.input.settings, changes));

    const auto& s = target.input.settings;
    if (s.host.empty())
        throw Error(ErrorKind::usage, "no EPMM host to test",
                    target.integration ? "set it with 'tectl configure " +
                                             target.integration->name + " --epmm-host HOST'"
                                       : "give --epmm-host, or the id of a configured integration");
    if (s.user.empty())
        throw Error(ErrorKind::usage, "no EPMM API user to test",
                    "give --epmm-user (the local API user's e-mail address)");
    if (!password)
        password = read_password(ctx, options.epmm, s.user);
    if (!password)
        throw Error(ErrorKind::usage, "no EPMM password for " + s.user,
                    "give --epmm-password-file FILE (or - for stdin) or set TECTL_EPMM_PASSWORD");
    target.input.password = *password;
    target.input.timeout =
        std::chrono::milliseconds(static_cast<long long>(std::llround(ctx.global.timeout * 1000)));
    return target;
}

std::string endpoint_text(const EpmmSettings& s) {
    std::string host = s.host.find(':') != std::string::npos ? "[" + s.host + "]" : s.host;
    return s.port == 443 ? host : fmt::format("{}:{}", host, s.port);
}

void run_test(Context& ctx, const TestOptions& options) {
    Target target = target_for(ctx, options);
    const EpmmSettings& s = target.input.settings;

    if (ctx.global.dry_run) {
        ctx.emit({{"dry_run", true},
                  {"host", s.host},
                  {"port", s.port},
                  {"user", s.user},
                  {"integration", target.integration ? target.integration->id : ""}});
        ctx.print(fmt::format("dry run: would test EPMM at {} as {}; nothing sent",
                              endpoint_text(s), s.user));
        return;
    }

    ctx.note(fmt::format("Testing EPMM at {} as {}", endpoint_text(s), s.user));
    ConfigTestRun run = run_config_test(target.input);

    bool recorded = false;
    if (target.integration && !target.overridden) {
        record_test(ctx.store(), target.integration->id, run.result);
        recorded = true;
    }

    nlohmann::json doc = run.result;
    doc["integration"] = target.integration ? nlohmann::json(target.integration->id) : nullptr;
    doc["recorded"] = recorded;
    if (!run.result.ok) {
        ErrorKind kind = run.failure.value_or(ErrorKind::failure);
        doc["error"] = {
            {"kind", kind_name(kind)},
            {"message", run.result.checks.empty() ? "" : run.result.checks.back().detail},
            {"check", run.result.checks.empty() ? "" : run.result.checks.back().name},
            {"hint", run.hint},
            {"exit_code", exit_code(kind)}};
    }
    ctx.emit(doc);

    for (const auto& check : run.result.checks) {
        ctx.print(
            fmt::format("  {}  {:<12} {}",
                        check.ok ? ctx.paint("ok  ", Style::green) : ctx.paint("FAIL", Style::red),
                        check.name, check.detail));
    }
    if (run.result.ok) {
        ctx.print(ctx.paint("Configuration successful", Style::green) +
                  fmt::format(": EPMM {}", run.result.epmm_version));
    } else {
        ctx.print(
            ctx.paint("Configuration test failed", Style::red) +
            (run.result.checks.empty() ? std::string() : " at " + run.result.checks.back().name));
        if (!run.hint.empty())
            ctx.print("  hint: " + run.hint);
    }
    if (target.integration && target.overridden)
        ctx.note(
            "note: options changed the stored settings for this run, so the outcome was "
            "not recorded; save them with 'tectl configure " +
            target.integration->name + "' and test again");

    if (!run.result.ok)
        ctx.exit_status = exit_code(run);
}

}  // namespace

void setup_test(CLI::App& app, Context& ctx) {
    auto options = std::make_shared<TestOptions>();
    auto* cmd = app.add_subcommand(
        "test", "Test the EPMM API details: DNS, connect, TLS, credentials, spaces, device read");
    cmd->add_option("integration", options->integration,
                    "integration id or name; without it the EPMM options are tested and "
                    "nothing is recorded");
    add_epmm_options(*cmd, options->epmm);
    cmd->footer(examples({
        "tectl test android-prod",
        "tectl test --epmm-host epmm.example.com --epmm-user duo-api@example.com \\",
        "    --epmm-password-file - --json < pw.txt",
    }));
    cmd->callback([&ctx, options] { run_test(ctx, *options); });
}

}  // namespace tectl::cli
