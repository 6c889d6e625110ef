#include "commands.hpp"

#include "tectl/lifecycle.hpp"

#include <fmt/format.h>

namespace tectl::cli {

void setup_disable(CLI::App& app, Context& ctx) {
    auto ref = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand("disable", "Disable an integration (asks, or needs --yes)");
    cmd->add_option("integration", *ref, "integration id or name")
        ->type_name("INTEGRATION")
        ->required();
    cmd->footer(examples({"tectl disable android-prod", "tectl disable android-prod --yes"}));
    cmd->callback([&ctx, ref] {
        Outcome outcome = confirm_then_run(
            ctx, fmt::format("disable integration '{}'", *ref),
            "Disabling stops Duo from counting its devices as trusted at once.",
            [&](bool dry_run) { return disable_integration(ctx.store(), *ref, dry_run); });
        report_status_change(ctx, outcome);
    });
}

}  // namespace tectl::cli
