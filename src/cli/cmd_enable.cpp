#include "commands.hpp"

#include "tectl/lifecycle.hpp"

#include <fmt/format.h>

namespace tectl::cli {
namespace {

struct EnableOptions {
    std::string integration;
    EnableRequest request;
};

void run_enable(Context& ctx, const EnableOptions& options) {
    std::string action;
    if (options.request.all) {
        action = fmt::format("enable integration '{}' for all users", options.integration);
    }
    const char* warning =
        "Enabling for all users applies your Trusted Endpoints policy to everyone: devices "
        "that are not trusted may be blocked.";
    Outcome outcome = confirm_then_run(ctx, action, warning, [&](bool dry_run) {
        return enable_integration(ctx.store(), options.integration, options.request, dry_run);
    });
    report_status_change(ctx, outcome);
}

}  // namespace

void setup_enable(CLI::App& app, Context& ctx) {
    auto options = std::make_shared<EnableOptions>();
    auto* cmd =
        app.add_subcommand("enable", "Enable an integration for a test group or for all users");
    cmd->add_option("integration", options->integration, "integration id or name")
        ->type_name("INTEGRATION")
        ->required();
    auto* group = cmd->add_option("--group", options->request.groups,
                                  "enable for the members of this Duo group (repeatable)")
                      ->type_name("NAME");
    cmd->add_flag("--all", options->request.all, "enable for all users (asks, or needs --yes)")
        ->excludes(group);
    cmd->add_flag("--force", options->request.force,
                  "enable although the last configuration test did not pass");
    cmd->footer(examples({
        "tectl enable android-prod --group duo-pilot",
        "tectl enable android-prod --all --yes",
    }));
    cmd->callback([&ctx, options] { run_enable(ctx, *options); });
}

}  // namespace tectl::cli
