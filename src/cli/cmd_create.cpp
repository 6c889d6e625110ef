#include "commands.hpp"

#include "tectl/lifecycle.hpp"

#include <fmt/format.h>

namespace tectl::cli {
namespace {

struct CreateOptions {
    std::string platform;
    std::string name;
    std::string config_key;
    EpmmOptions epmm;
    CLI::Option* name_opt = nullptr;
    CLI::Option* key_opt = nullptr;
};

void run_create(Context& ctx, const CreateOptions& options) {
    CreateRequest request;
    request.platform = options.platform;
    if (options.name_opt->count())
        request.name = options.name;
    if (options.key_opt->count())
        request.config_key = options.config_key;
    request.epmm = epmm_changes(ctx, options.epmm);

    Outcome outcome = create_integration(ctx.store(), request, ctx.global.dry_run);
    print_notes(ctx, outcome.notes);

    const Integration& i = outcome.integration;
    ctx.emit({{"id", i.id},
              {"changed", outcome.changed},
              {"dry_run", ctx.global.dry_run},
              {"integration", integration_json(i, outcome.has_password)}});
    if (ctx.json())
        return;
    if (!outcome.changed) {
        ctx.note(
            fmt::format("unchanged: integration '{}' already exists with these settings", i.name));
    } else if (ctx.global.dry_run) {
        ctx.note(fmt::format("dry run: would create {} integration '{}'", to_string(i.platform),
                             i.name));
    } else {
        ctx.note(fmt::format("created {} integration '{}' (disabled); configuration key {}",
                             to_string(i.platform), i.name, i.config_key));
    }
    ctx.print(i.id);
}

}  // namespace

void setup_create(CLI::App& app, Context& ctx) {
    auto options = std::make_shared<CreateOptions>();
    auto* cmd = app.add_subcommand("create", "Create an integration (it starts disabled)");
    cmd->add_option("--platform", options->platform, "android or ios")
        ->type_name("PLATFORM")
        ->required();
    options->name_opt = cmd->add_option("--name", options->name,
                                        "unique name (default: the platform and the EPMM host)")
                            ->type_name("NAME");
    options->key_opt =
        cmd->add_option(
               "--config-key", options->config_key,
               "the Trusted Endpoints configuration key copied from Duo (default: one is minted)")
            ->type_name("KEY");
    add_epmm_options(*cmd, options->epmm);
    cmd->footer(examples({
        "tectl create --platform android --name android-prod",
        "tectl create --platform ios --epmm-host epmm.example.com \\",
        "    --epmm-user duo-api@example.com --epmm-password-file pw.txt",
        "tectl --json create --platform ios --config-key DPK0W0KLPJLOGSKHTDD",
    }));
    cmd->callback([&ctx, options] { run_create(ctx, *options); });
}

}  // namespace tectl::cli
