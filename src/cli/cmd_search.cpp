#include "commands.hpp"
#include "epmm_access.hpp"
#include "progress.hpp"

#include "tectl/device_search.hpp"
#include "tectl/error.hpp"
#include "tectl/lifecycle.hpp"

#include <fmt/format.h>

#include <fstream>
#include <iostream>

namespace tectl::cli {
namespace {

struct SearchCommand {
    std::string integration;
    std::vector<std::string> identifiers;
    std::string file;
    bool live = false;
    bool cached = false;
};

// One identifier a line; blank lines are skipped, everything else is classified as it is.
void read_identifiers(const std::string& file, std::vector<std::string>& out) {
    std::ifstream stream;
    std::istream* in = &std::cin;
    if (file != "-") {
        stream.open(file);
        if (!stream) {
            throw Error(ErrorKind::usage, fmt::format("cannot read {}", file),
                        "give a readable file of identifiers, one a line, or - for stdin");
        }
        in = &stream;
    }
    std::string line;
    while (std::getline(*in, line)) {
        if (line.find_first_not_of(" \t\r") == std::string::npos)
            continue;
        out.push_back(line);
    }
}

nlohmann::json space_json(const Space& s) {
    return {{"id", s.id}, {"name", s.name}};
}

nlohmann::json report_json(const SearchReport& report) {
    nlohmann::json results = nlohmann::json::array();
    for (const auto& r : report.results) {
        nlohmann::json j = {{"input", r.identifier.input},
                            {"identifier", r.identifier.value},
                            {"kind", to_string(r.identifier.kind)},
                            {"found", r.found},
                            {"space", nullptr},
                            {"device", nullptr},
                            {"notes", r.identifier.notes},
                            {"causes", r.causes},
                            {"warnings", r.warnings}};
        if (!r.identifier.message.empty())
            j["message"] = r.identifier.message;
        if (r.device) {
            j["space"] = space_json({r.device->space_id, r.device->space_name});
            j["device"] = device_json(*r.device);
        }
        results.push_back(std::move(j));
    }
    nlohmann::json searched = nlohmann::json::array();
    for (const auto& s : report.spaces_searched)
        searched.push_back(space_json(s));
    nlohmann::json unreadable = nlohmann::json::array();
    for (const auto& u : report.unreadable) {
        unreadable.push_back({{"space", space_json(u.space)}, {"reason", u.reason}});
    }
    nlohmann::json doc = {{"results", results},
                          {"method", to_string(report.method)},
                          {"spaces_searched", searched},
                          {"unreadable_spaces", unreadable},
                          {"requests", report.requests}};
    doc["synced_at"] =
        report.synced_at.empty() ? nlohmann::json() : nlohmann::json(report.synced_at);
    return doc;
}

std::string device_line(const IndexedDevice& d) {
    std::string user = user_id_masked(d.user_id) ? d.user_id + " (masked by EPMM's GDPR profile)"
                                                 : (d.user_id.empty() ? "-" : d.user_id);
    std::string line = fmt::format(
        "platform {}, status {}, model {}, user {}, last check-in {}",
        d.platform.empty() ? "-" : d.platform, d.status.empty() ? "-" : d.status,
        d.model.empty() ? "-" : d.model, user, d.last_check_in.empty() ? "never" : d.last_check_in);
    if (d.android_enterprise) {
        line +=
            fmt::format(", Android Enterprise capable: {}", *d.android_enterprise ? "yes" : "no");
    }
    return line;
}

void print_report(const Context& ctx, const SearchReport& report) {
    for (const auto& r : report.results) {
        const auto& id = r.identifier;
        std::string shown = id.value.empty() ? fmt::format("\"{}\"", id.input) : id.value;
        if (r.found) {
            ctx.print(fmt::format("{}: {} in {}", shown, ctx.paint("found", Style::green),
                                  space_label({r.device->space_id, r.device->space_name})));
            ctx.print("    " + device_line(*r.device));
            for (const auto& w : r.warnings)
                ctx.print("    " + ctx.paint("! " + w, Style::yellow));
        } else if (id.kind == IdentifierKind::device_uuid) {
            ctx.print(fmt::format("{}: {}", shown, ctx.paint("not found", Style::red)));
            for (const auto& cause : r.causes)
                ctx.print("    - " + cause);
        } else {
            ctx.print(fmt::format("{}: {} ({})", shown,
                                  ctx.paint("not a Device UUID", Style::yellow),
                                  to_string(id.kind)));
            ctx.print("    " + id.message);
        }
        if (!id.notes.empty()) {
            std::string notes;
            for (const auto& n : id.notes)
                notes += (notes.empty() ? "" : ", ") + n;
            ctx.print(ctx.paint("    (input repaired: " + notes + ")", Style::dim));
        }
    }

    std::size_t found = 0;
    for (const auto& r : report.results)
        found += r.found;
    std::string how;
    switch (report.method) {
        case SearchMethod::live:
            how =
                fmt::format("live, {} request{}", report.requests, report.requests == 1 ? "" : "s");
            break;
        case SearchMethod::sync:
            how = fmt::format("after a sync of {} devices ({} requests)", report.sync->devices,
                              report.requests);
            break;
        case SearchMethod::cached:
            how = fmt::format("from the index synced at {}", report.synced_at);
            break;
    }
    ctx.note(fmt::format("{} of {} found ({})", found, report.results.size(), how));
}

void run_search(Context& ctx, const SearchCommand& options) {
    std::vector<std::string> inputs = options.identifiers;
    if (!options.file.empty())
        read_identifiers(options.file, inputs);
    if (inputs.empty()) {
        throw Error(ErrorKind::usage, "no identifier to search",
                    "give Device UUIDs as arguments, or --file FILE (- for stdin)");
    }

    StateDoc doc = ctx.store().load();
    const Integration integration = find_integration(doc, options.integration);
    auto index_path = ctx.store().index_file(integration.id);

    SearchReport report;
    if (options.cached) {
        report = search_cached(index_path, inputs);
    } else {
        auto epmm = connect_epmm(ctx, integration);
        SearchOptions search;
        search.spaces = integration.epmm.spaces;
        search.index_path = index_path;
        search.now = [&ctx] { return ctx.store().now(); };
        search.cancel = &interrupted();
        {
            CancellableScope scope;
            SyncProgressBar bar(ctx);
            search.progress = bar.callback();
            report = search_live(*epmm.devices, inputs, search);
        }
        if (report.sync)
            record_sync(ctx.store(), integration.id, report.sync->synced_at);
    }

    ctx.emit(report_json(report));
    if (!ctx.json())
        print_report(ctx, report);

    if (!report.all_found()) {
        // A refused space makes "not found" uncertain: that is the role or space to fix first.
        ctx.exit_status = report.unreadable.empty() ? exit_code(ErrorKind::not_found)
                                                    : exit_code(ErrorKind::auth);
    }
}

}  // namespace

void setup_search(CLI::App& app, Context& ctx) {
    auto options = std::make_shared<SearchCommand>();
    auto* cmd = app.add_subcommand("search", "Look up Device UUIDs in EPMM: found or not, and why");
    cmd->add_option("integration", options->integration, "integration id or name")->required();
    cmd->add_option("identifiers", options->identifiers,
                    "Device UUIDs (other identifiers are recognised and explained)");
    cmd->add_option("--file", options->file,
                    "read identifiers from FILE, one a line (- for stdin)");
    auto* live = cmd->add_flag("--live", options->live,
                               "ask EPMM (the default); a large batch may sync first");
    auto* cached =
        cmd->add_flag("--cached", options->cached, "answer from the local index only, offline");
    live->excludes(cached);
    cmd->footer(examples({
        "tectl search android-prod 3a45b4d5-d2e5-468c-bf4f-149efff463a9",
        "tectl search android-prod --file uuids.txt --json",
        "tectl search android-prod --cached 3a45b4d5-d2e5-468c-bf4f-149efff463a9",
    }));
    cmd->callback([&ctx, options] { run_search(ctx, *options); });
}

}  // namespace tectl::cli
