#include "commands.hpp"

#include "tectl/lifecycle.hpp"

#include <fmt/format.h>

namespace tectl::cli {
namespace {

// What the vendor warns about before an integration is removed.
constexpr std::string_view kDeleteWarning =
    "Deleting an integration at once invalidates the Duo device certificates it issued.\n"
    "Before you delete it: unassign the Trusted Endpoints policy from every application (or\n"
    "remove the Trusted Endpoints item from the global policy), or users may be locked out.\n"
    "Afterwards: disable the Duo API user in EPMM.";

}  // namespace

void setup_delete(CLI::App& app, Context& ctx) {
    auto ref = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand(
        "delete",
        "Delete an integration, its stored password and device index (asks, or needs "
        "--yes)");
    cmd->add_option("integration", *ref, "integration id or name")
        ->type_name("INTEGRATION")
        ->required();
    cmd->footer(examples({"tectl delete android-old", "tectl delete android-old --yes"}));
    cmd->callback([&ctx, ref] {
        Outcome outcome = confirm_then_run(
            ctx, fmt::format("delete integration '{}'", *ref), std::string(kDeleteWarning),
            [&](bool dry_run) { return delete_integration(ctx.store(), *ref, dry_run); });
        const Integration& i = outcome.integration;
        ctx.emit({{"id", i.id},
                  {"changed", outcome.changed},
                  {"dry_run", ctx.global.dry_run},
                  {"deleted", !ctx.global.dry_run},
                  {"summary", outcome.summary}});
        ctx.print(
            fmt::format("{}{}", ctx.global.dry_run ? "dry run: would have " : "", outcome.summary));
        if (!ctx.global.dry_run)
            ctx.note("next: disable the Duo API user in EPMM");
    });
}

}  // namespace tectl::cli
