#include "commands.hpp"

#include "tectl/lifecycle.hpp"

#include <fmt/format.h>

namespace tectl::cli {
namespace {

void field(const Context& ctx, std::string_view label, std::string_view value) {
    ctx.print(fmt::format("{:<13} {}", label, value));
}

std::string join_spaces(const std::vector<std::int64_t>& spaces) {
    if (spaces.empty())
        return "the API user's own spaces";
    std::string out;
    for (auto s : spaces)
        out += (out.empty() ? "" : ", ") + std::to_string(s);
    return out;
}

void run_show(Context& ctx, const std::string& ref) {
    StateDoc doc = ctx.store().load();
    for (const auto& w : ctx.store().warnings())
        ctx.warn(w);
    const Integration& i = find_integration(doc, ref);
    bool has_password = ctx.store().password(i.id).has_value();
    ctx.emit({{"integration", integration_json(i, has_password)}});
    if (ctx.json())
        return;

    std::string status(to_string(i.status));
    if (i.status == Status::test_group) {
        status += " (";
        for (std::size_t n = 0; n < i.test_groups.size(); ++n) {
            status += (n ? ", " : "") + i.test_groups[n];
        }
        status += ")";
    }
    field(ctx, "ID", i.id);
    field(ctx, "Name", i.name);
    field(ctx, "Platform", to_string(i.platform));
    field(ctx, "Status", status);
    field(ctx, "Config key", i.config_key);
    if (i.platform == Platform::ios)
        field(ctx, "Spec version", std::to_string(i.spec_version));
    field(
        ctx, "EPMM host",
        i.epmm.host.empty()
            ? "(not set)"
            : (i.epmm.port == 443 ? i.epmm.host : fmt::format("{}:{}", i.epmm.host, i.epmm.port)));
    field(ctx, "EPMM user", i.epmm.user.empty() ? "(not set)" : i.epmm.user);
    field(ctx, "Password", has_password ? "stored" : "(not stored)");
    field(ctx, "Spaces", join_spaces(i.epmm.spaces));
    field(ctx, "CA bundle", i.epmm.cacert.empty() ? "system default" : i.epmm.cacert);
    field(ctx, "TLS checks", i.epmm.insecure ? ctx.paint("OFF (--insecure)", Style::red) : "on");
    if (!i.last_test) {
        field(ctx, "Last test", "never");
    } else {
        field(ctx, "Last test",
              fmt::format("{} at {}",
                          i.last_test->ok ? ctx.paint("passed", Style::green)
                                          : ctx.paint("failed", Style::red),
                          i.last_test->time));
        for (const auto& check : i.last_test->checks) {
            field(ctx, "",
                  fmt::format("{} {}: {}", check.ok ? "ok  " : "FAIL", check.name, check.detail));
        }
    }
    field(ctx, "Last sync", i.last_sync.value_or("never"));
    field(ctx, "Created", i.created_at);
    field(ctx, "Updated", i.updated_at);
}

}  // namespace

void setup_show(CLI::App& app, Context& ctx) {
    auto ref = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand("show", "Show one integration");
    cmd->add_option("integration", *ref, "integration id or name")
        ->type_name("INTEGRATION")
        ->required();
    cmd->footer(examples({"tectl show android-prod", "tectl show DI0123456789ABCDEFGH --json"}));
    cmd->callback([&ctx, ref] { run_show(ctx, *ref); });
}

}  // namespace tectl::cli
