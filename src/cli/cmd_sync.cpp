#include "commands.hpp"
#include "epmm_access.hpp"
#include "progress.hpp"

#include "tectl/device_sync.hpp"
#include "tectl/lifecycle.hpp"

#include <fmt/format.h>

namespace tectl::cli {
namespace {

// Enough to keep EPMM busy while the index is written, few enough not to crowd a shared server.
constexpr int kDefaultConnections = 3;

struct SyncCommand {
    std::string integration;
    int connections = kDefaultConnections;
};

std::string spaces_text(const std::vector<std::int64_t>& spaces) {
    if (spaces.empty())
        return "every space of the API user";
    std::string out;
    for (auto s : spaces)
        out += (out.empty() ? "space " : ", ") + std::to_string(s);
    return out;
}

void run_sync(Context& ctx, const SyncCommand& options) {
    StateDoc doc = ctx.store().load();
    const Integration integration = find_integration(doc, options.integration);
    auto index_path = ctx.store().index_file(integration.id);

    if (ctx.global.dry_run) {
        ctx.emit({{"id", integration.id},
                  {"dry_run", true},
                  {"host", integration.epmm.host},
                  {"spaces", integration.epmm.spaces},
                  {"index", index_path.string()}});
        ctx.print(fmt::format("would read the devices of {} from {} into {}",
                              spaces_text(integration.epmm.spaces), integration.epmm.host,
                              index_path.string()));
        return;
    }

    auto epmm = connect_epmm(ctx, integration);
    SyncOptions sync;
    sync.index_path = index_path;
    sync.spaces = integration.epmm.spaces;
    sync.now = [&ctx] { return ctx.store().now(); };
    sync.cancel = &interrupted();
    sync.connections = options.connections;
    sync.connect = [&ctx, &integration] {
        return epmm_device_source(connect_epmm(ctx, integration).client);
    };

    SyncSummary summary;
    {
        CancellableScope scope;
        SyncProgressBar bar(ctx);
        sync.progress = bar.callback();
        summary = sync_devices(*epmm.devices, sync);
    }
    record_sync(ctx.store(), integration.id, summary.synced_at);

    nlohmann::json spaces = nlohmann::json::array();
    for (const auto& s : summary.spaces) {
        spaces.push_back(
            {{"id", s.id}, {"name", s.name}, {"devices", s.devices}, {"reported", s.reported}});
    }
    ctx.emit({{"id", integration.id},
              {"devices", summary.devices},
              {"duplicates", summary.duplicates},
              {"spaces", spaces},
              {"requests", summary.requests},
              {"seconds", summary.seconds},
              {"synced_at", summary.synced_at},
              {"index", index_path.string()}});
    ctx.print(fmt::format("synced {} devices from {} space{} in {} requests, {:.1f} s",
                          summary.devices, summary.spaces.size(),
                          summary.spaces.size() == 1 ? "" : "s", summary.requests,
                          summary.seconds));
    if (summary.duplicates > 0) {
        ctx.note(fmt::format("{} devices appeared in more than one space and were kept once",
                             summary.duplicates));
    }
}

}  // namespace

void setup_sync(CLI::App& app, Context& ctx) {
    auto options = std::make_shared<SyncCommand>();
    auto* cmd = app.add_subcommand(
        "sync", "Read every device of the integration's spaces into the local device index");
    cmd->add_option("integration", options->integration, "integration id or name")->required();
    cmd->add_option("--connections", options->connections,
                    "HTTPS connections to EPMM; with more than one, the next pages are read "
                    "while the current one is written (default 3)")
        ->check(CLI::Range(1, 8));
    cmd->footer(examples({"tectl sync android-prod", "tectl sync android-prod --json",
                          "tectl sync android-prod --connections 1"}));
    cmd->callback([&ctx, options] { run_sync(ctx, *options); });
}

}  // namespace tectl::cli
