#include "commands.hpp"

#include "tectl/error.hpp"
#include "tectl/lifecycle.hpp"

#include <fmt/format.h>

namespace tectl::cli {
namespace {

struct ConfigureOptions {
    std::string integration;
    std::string config_key;
    EpmmOptions epmm;
    CLI::Option* key_opt = nullptr;
};

void run_configure(Context& ctx, const ConfigureOptions& options) {
    // Who the prompt names: the user being set, else the one already stored.
    EpmmChanges changes = epmm_changes(ctx, options.epmm);
    std::optional<std::string> key;
    if (options.key_opt->count())
        key = options.config_key;
    if (changes.empty() && !key) {
        throw Error(ErrorKind::usage, "configure: nothing to change",
                    "give EPMM options such as --epmm-host, --epmm-user, "
                    "--epmm-password-file or --config-key");
    }

    Outcome outcome =
        configure_integration(ctx.store(), options.integration, changes, key, ctx.global.dry_run);
    print_notes(ctx, outcome.notes);

    const Integration& i = outcome.integration;
    ctx.emit({{"id", i.id},
              {"changed", outcome.changed},
              {"dry_run", ctx.global.dry_run},
              {"integration", integration_json(i, outcome.has_password)}});
    if (!outcome.changed) {
        ctx.note(fmt::format("unchanged: integration '{}' already has these settings", i.name));
    } else {
        ctx.note(fmt::format("{}{}: {}", ctx.global.dry_run ? "dry run: would have " : "", i.name,
                             outcome.summary));
    }
    ctx.print(i.id);
}

}  // namespace

void setup_configure(CLI::App& app, Context& ctx) {
    auto options = std::make_shared<ConfigureOptions>();
    auto* cmd = app.add_subcommand("configure", "Save the EPMM API details of an integration");
    cmd->add_option("integration", options->integration, "integration id or name")
        ->type_name("INTEGRATION")
        ->required();
    options->key_opt = cmd->add_option("--config-key", options->config_key,
                                       "replace the Trusted Endpoints configuration key")
                           ->type_name("KEY");
    add_epmm_options(*cmd, options->epmm);
    cmd->footer(examples({
        "tectl configure android-prod --epmm-host epmm.example.com \\",
        "    --epmm-user duo-api@example.com --epmm-password-file -  < pw.txt",
        "tectl configure android-prod --space 1 --space 4 --cacert /etc/ssl/epmm-ca.pem",
    }));
    cmd->callback([&ctx, options] { run_configure(ctx, *options); });
}

}  // namespace tectl::cli
