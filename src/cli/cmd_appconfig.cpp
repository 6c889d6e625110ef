#include "commands.hpp"

#include "tectl/appconfig.hpp"
#include "tectl/error.hpp"
#include "tectl/lifecycle.hpp"

#include <fmt/format.h>

namespace tectl::cli {
namespace {

struct GenerateOptions {
    std::string integration;
    std::string output;
};

struct CheckOptions {
    std::string file;
    std::string integration;
};

Integration load_integration(Context& ctx, const std::string& ref) {
    StateDoc doc = ctx.store().load();
    for (const auto& w : ctx.store().warnings())
        ctx.warn(w);
    return find_integration(doc, ref);
}

void render_android(const Context& ctx, const Integration& i) {
    auto values = appconfig::android_values(i);
    nlohmann::json list = nlohmann::json::array();
    for (const auto& v : values)
        list.push_back({{"label", v.label}, {"key", v.key}, {"value", v.value}});
    ctx.emit({{"platform", "android"},
              {"integration", i.id},
              {"package", appconfig::android_package},
              {"values", list}});
    if (ctx.json())
        return;

    ctx.note(fmt::format(
        "In EPMM: Apps > App Catalog > Duo Mobile (Google Play, {}) > Configuration Choices > "
        "Default Configuration, enter:",
        appconfig::android_package));
    std::size_t width = 0;
    for (const auto& v : values)
        width = std::max(width, v.label.size());
    for (const auto& v : values)
        ctx.print(fmt::format("{:<{}}  {}", v.label, width, v.value));
}

void run_generate(Context& ctx, const GenerateOptions& options) {
    Integration i = load_integration(ctx, options.integration);

    if (i.platform == Platform::android) {
        if (!options.output.empty()) {
            throw Error(ErrorKind::usage,
                        fmt::format("-o writes an iOS spec file, and '{}' is an Android "
                                    "integration",
                                    i.name),
                        "leave out -o: Android devices take two values typed into the App "
                        "Catalog entry");
        }
        render_android(ctx, i);
        return;
    }

    std::string xml = appconfig::generate_spec_file(i);
    bool to_file = !options.output.empty();
    if (to_file && !ctx.global.dry_run)
        appconfig::write_spec_file(options.output, xml);

    ctx.emit({{"platform", "ios"},
              {"integration", i.id},
              {"file", to_file ? nlohmann::json(options.output) : nlohmann::json(nullptr)},
              {"version", i.spec_version},
              {"dry_run", ctx.global.dry_run},
              {"xml", xml}});
    if (ctx.json())
        return;
    if (!to_file) {
        // The document already ends with a newline; print adds one.
        ctx.print(std::string_view(xml).substr(0, xml.size() - 1));
        return;
    }
    ctx.note(fmt::format(
        "{} {} (spec version {}); upload it in EPMM under Apps > App Catalog > Duo Mobile > "
        "Managed App Configurations with Choose File",
        ctx.global.dry_run ? "dry run: would write" : "wrote", options.output, i.spec_version));
}

void run_check(Context& ctx, const CheckOptions& options) {
    std::optional<Integration> expected;
    if (!options.integration.empty())
        expected = load_integration(ctx, options.integration);

    std::string bytes = appconfig::read_spec_file(options.file);
    auto findings = appconfig::check_spec_file(bytes, expected ? &*expected : nullptr);
    if (!findings.empty())
        ctx.exit_status = 1;

    nlohmann::json problems = nlohmann::json::array();
    for (const auto& f : findings) {
        problems.push_back(
            {{"line", f.line}, {"code", f.code}, {"message", f.message}, {"hint", f.hint}});
    }
    ctx.emit({{"ok", findings.empty()},
              {"file", options.file},
              {"integration", expected ? nlohmann::json(expected->id) : nlohmann::json(nullptr)},
              {"problems", problems}});
    if (ctx.json())
        return;

    for (const auto& f : findings) {
        std::string where = f.line > 0 ? fmt::format("{}:{}", options.file, f.line) : options.file;
        ctx.print(fmt::format("{}: {}: {}", where, ctx.paint(f.code, Style::red), f.message));
        ctx.print(fmt::format("    fix: {}", f.hint));
    }
    if (findings.empty()) {
        ctx.print(fmt::format("{}: {}", options.file, ctx.paint("ready to upload", Style::green)));
    } else {
        ctx.print(fmt::format("{}: {} problem{}", options.file, findings.size(),
                              findings.size() == 1 ? "" : "s"));
    }
}

}  // namespace

void setup_appconfig(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand(
        "appconfig", "Generate Duo Mobile's managed configuration, or check a spec file");
    cmd->require_subcommand(1);
    cmd->footer(examples({
        "tectl appconfig generate ios-prod -o app_config_spec.xml",
        "tectl appconfig check app_config_spec.xml --integration ios-prod",
    }));

    auto generate = std::make_shared<GenerateOptions>();
    auto* gen = cmd->add_subcommand(
        "generate",
        "iOS: the AppConfig spec file (app_config_spec.xml); Android: the two App Catalog values");
    gen->add_option("integration", generate->integration, "integration id or name")->required();
    gen->add_option("-o,--output", generate->output,
                    "write the iOS spec file here (atomically) instead of stdout");
    gen->footer(examples({
        "tectl appconfig generate ios-prod -o app_config_spec.xml",
        "tectl appconfig generate android-prod",
        "tectl --json appconfig generate DI0123456789ABCDEFGH",
    }));
    gen->callback([&ctx, generate] { run_generate(ctx, *generate); });

    auto check = std::make_shared<CheckOptions>();
    auto* chk = cmd->add_subcommand(
        "check",
        "Check a spec file before uploading it to EPMM (exit 0 ready, 1 problems, "
        "2 cannot be read)");
    chk->add_option("file", check->file, "the spec file, e.g. app_config_spec.xml")->required();
    chk->add_option("--integration", check->integration,
                    "also check that the configuration key is this integration's");
    chk->footer(examples({
        "tectl appconfig check app_config_spec.xml",
        "tectl appconfig check ~/Downloads/app_config_spec.xml --integration ios-prod",
        "tectl --json appconfig check app_config_spec.xml",
    }));
    chk->callback([&ctx, check] { run_check(ctx, *check); });
}

}  // namespace tectl::cli
