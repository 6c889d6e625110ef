#include "commands.hpp"

#include <fmt/format.h>

namespace tectl::cli {
namespace {

std::string tested(const Integration& i) {
    if (!i.last_test)
        return "never";
    return i.last_test->ok ? "passed" : "failed";
}

void run_list(Context& ctx) {
    StateDoc doc = ctx.store().load();
    for (const auto& w : ctx.store().warnings())
        ctx.warn(w);

    if (ctx.json()) {
        nlohmann::json list = nlohmann::json::array();
        const auto with_password = ctx.store().ids_with_password();
        for (const auto& i : doc.integrations)
            list.push_back(integration_json(i, with_password.count(i.id) > 0));
        ctx.emit({{"integrations", list}});
        return;
    }
    if (doc.integrations.empty()) {
        ctx.note("no integrations yet; create one with: tectl create --platform android|ios");
        return;
    }
    constexpr auto row = "{:<20}  {:<24}  {:<8}  {:<10}  {:<6}  {}";
    ctx.print(ctx.paint(fmt::format(row, "ID", "NAME", "PLATFORM", "STATUS", "TESTED", "EPMM HOST"),
                        Style::bold));
    for (const auto& i : doc.integrations) {
        ctx.print(fmt::format(row, i.id, i.name, to_string(i.platform), to_string(i.status),
                              tested(i), i.epmm.host.empty() ? "-" : i.epmm.host));
    }
}

}  // namespace

void setup_list(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("list", "List the integrations");
    cmd->footer(examples({"tectl list", "tectl list --json"}));
    cmd->callback([&ctx] { run_list(ctx); });
}

}  // namespace tectl::cli
