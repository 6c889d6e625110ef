#include "tectl/lifecycle.hpp"

#include "tectl/error.hpp"
#include "tectl/normalize.hpp"
#include "tectl/random.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>

namespace tectl {
namespace fs = std::filesystem;

namespace {

// Runs one operation and writes its audit line, also when it is refused.
template <class Body>
Outcome audited(StateStore& store, const char* command, std::string_view ref, bool dry_run,
                Body&& body) {
    try {
        Outcome outcome = body();
        if (!dry_run) {
            store.audit({command, outcome.integration.id, outcome.summary,
                         outcome.changed ? "changed" : "unchanged"});
        }
        return outcome;
    } catch (const Error& e) {
        std::error_code ec;
        if (!dry_run && fs::is_directory(store.dir(), ec) &&
            ::access(store.dir().c_str(), W_OK) == 0) {
            try {
                store.audit({command, std::string(ref), "", std::string("refused: ") + e.what()});
            } catch (const Error&) {
                // The refusal itself is what the user must see; a lost audit line is not.
            }
        }
        throw;
    }
}

Integration& find_mutable(StateDoc& doc, std::string_view id_or_name) {
    return const_cast<Integration&>(find_integration(doc, id_or_name));
}

std::string default_name(Platform platform, const EpmmSettings& settings) {
    std::string name(to_string(platform));
    if (!settings.host.empty())
        name += "-" + settings.host;
    return name.substr(0, 64);
}

// Whether every setting the request names already holds the requested value.
bool matches(const Integration& existing, const Credentials& creds, Platform platform,
             const CreateRequest& request, const EpmmSettings& requested) {
    if (existing.platform != platform)
        return false;
    if (request.config_key && normalize_config_key(*request.config_key) != existing.config_key) {
        return false;
    }
    const EpmmChanges& c = request.epmm;
    const EpmmSettings& e = existing.epmm;
    if (c.host && (e.host != requested.host || e.port != requested.port))
        return false;
    if (c.user && e.user != requested.user)
        return false;
    if (c.spaces && e.spaces != requested.spaces)
        return false;
    if (c.cacert && e.cacert != requested.cacert)
        return false;
    if (c.insecure && e.insecure != requested.insecure)
        return false;
    if (c.password) {
        auto it = creds.find(existing.id);
        if (it == creds.end() || it->second != *c.password)
            return false;
    }
    return true;
}

std::string describe_status(const Integration& integration) {
    switch (integration.status) {
        case Status::disabled:
            return "disabled";
        case Status::all_users:
            return "enabled for all users";
        case Status::test_group: {
            std::string groups;
            for (const auto& g : integration.test_groups) {
                groups += (groups.empty() ? "" : ", ") + g;
            }
            return "enabled for test group " + groups;
        }
    }
    return "disabled";
}

}  // namespace

bool EpmmChanges::empty() const {
    return !host && !user && !password && !spaces && !cacert && !insecure;
}

const Integration& find_integration(const StateDoc& doc, std::string_view id_or_name) {
    if (const Integration* found = doc.find(id_or_name))
        return *found;
    throw Error(ErrorKind::not_found, "no integration '" + std::string(id_or_name) + "'",
                "run 'tectl list' to see the integrations and their ids");
}

std::vector<std::string> apply_epmm_changes(EpmmSettings& settings, const EpmmChanges& changes) {
    std::vector<std::string> notes;
    if (changes.host) {
        NormalizedHost host = normalize_host(*changes.host);
        for (const auto& change : host.changes)
            notes.push_back("--epmm-host: " + change);
        settings.host = host.host;
        settings.port = host.port.value_or(443);
    }
    if (changes.user)
        settings.user = normalize_user(*changes.user, notes);
    if (changes.spaces) {
        for (auto space : *changes.spaces) {
            if (space < 1) {
                throw Error(ErrorKind::usage,
                            "--space " + std::to_string(space) + " is not a device space id",
                            "device space ids are positive integers; the global space is 1");
            }
        }
        std::vector<std::int64_t> spaces = *changes.spaces;
        std::sort(spaces.begin(), spaces.end());
        spaces.erase(std::unique(spaces.begin(), spaces.end()), spaces.end());
        settings.spaces = spaces;
    }
    if (changes.cacert) {
        if (changes.cacert->empty()) {
            settings.cacert.clear();
        } else {
            std::error_code ec;
            fs::path path = fs::absolute(*changes.cacert, ec);
            if (ec || !fs::is_regular_file(path, ec) || ::access(path.c_str(), R_OK) != 0) {
                throw Error(ErrorKind::usage, "--cacert " + *changes.cacert + ": cannot read it",
                            "give a readable PEM file holding the CA certificates of EPMM");
            }
            settings.cacert = path.lexically_normal().string();
        }
    }
    if (changes.insecure)
        settings.insecure = *changes.insecure;
    if (settings.insecure) {
        notes.push_back(
            "TLS certificate checks are off for this EPMM (--insecure): anyone on "
            "the network path can read the API password");
    }
    return notes;
}

Outcome create_integration(StateStore& store, const CreateRequest& request, bool dry_run) {
    return audited(store, "create", request.name.value_or(""), dry_run, [&] {
        Platform platform = parse_platform(request.platform);
        Outcome outcome;
        EpmmSettings settings;
        outcome.notes = apply_epmm_changes(settings, request.epmm);
        std::string name =
            request.name ? normalize_name(*request.name) : default_name(platform, settings);
        std::optional<std::string> key;
        if (request.config_key)
            key = normalize_config_key(*request.config_key);

        outcome.changed = store.update(
            [&](StateDoc& doc, Credentials& creds) {
                for (const auto& existing : doc.integrations) {
                    if (existing.name != name)
                        continue;
                    if (!matches(existing, creds, platform, request, settings)) {
                        throw Error(ErrorKind::conflict,
                                    "an integration named '" + name + "' (" + existing.id +
                                        ") already exists with other settings",
                                    "choose another --name, or change it with 'tectl configure " +
                                        name + "'");
                    }
                    outcome.integration = existing;
                    outcome.has_password = creds.count(existing.id) > 0;
                    outcome.summary = "already exists";
                    return;
                }
                Integration created;
                do {
                    created.id = mint_integration_id();
                } while (doc.find(created.id));
                created.name = name;
                created.platform = platform;
                created.config_key = key.value_or(mint_config_key());
                created.epmm = settings;
                created.created_at = created.updated_at = store.now();
                if (request.epmm.password)
                    creds[created.id] = *request.epmm.password;
                doc.integrations.push_back(created);
                outcome.integration = created;
                outcome.has_password = request.epmm.password.has_value();
                outcome.summary =
                    "created " + std::string(to_string(platform)) + " integration '" + name + "'";
            },
            dry_run);
        return outcome;
    });
}

Outcome configure_integration(StateStore& store, std::string_view id_or_name,
                              const EpmmChanges& changes,
                              const std::optional<std::string>& config_key, bool dry_run) {
    return audited(store, "configure", id_or_name, dry_run, [&] {
        std::optional<std::string> key;
        if (config_key)
            key = normalize_config_key(*config_key);
        Outcome outcome;
        std::vector<std::string> changed;
        outcome.changed = store.update(
            [&](StateDoc& doc, Credentials& creds) {
                Integration& integration = find_mutable(doc, id_or_name);
                EpmmSettings settings = integration.epmm;
                outcome.notes = apply_epmm_changes(settings, changes);
                bool password_changed = false;
                if (changes.password) {
                    auto it = creds.find(integration.id);
                    password_changed = it == creds.end() || it->second != *changes.password;
                    creds[integration.id] = *changes.password;
                }
                if (settings != integration.epmm)
                    changed.push_back("EPMM API details");
                if (password_changed)
                    changed.push_back("EPMM password");
                if (key && *key != integration.config_key) {
                    integration.config_key = *key;
                    ++integration.spec_version;
                    changed.push_back("configuration key");
                }
                if (settings != integration.epmm || password_changed) {
                    integration.epmm = settings;
                    if (integration.last_test) {
                        integration.last_test.reset();
                        outcome.notes.push_back(
                            "the EPMM API details changed, so the integration is untested "
                            "again: run 'tectl test " +
                            integration.name + "'");
                    }
                }
                if (!changed.empty())
                    integration.updated_at = store.now();
                outcome.integration = integration;
                outcome.has_password = creds.count(integration.id) > 0;
            },
            dry_run);
        for (const auto& c : changed) {
            outcome.summary += (outcome.summary.empty() ? "changed " : ", ") + c;
        }
        if (changed.empty())
            outcome.summary = "nothing to change";
        return outcome;
    });
}

Outcome enable_integration(StateStore& store, std::string_view id_or_name,
                           const EnableRequest& request, bool dry_run) {
    return audited(store, "enable", id_or_name, dry_run, [&] {
        if (request.all == !request.groups.empty()) {
            throw Error(ErrorKind::usage,
                        request.all ? "--all and --group cannot be combined"
                                    : "enable needs --group NAME or --all",
                        "enable a test group first (--group NAME), then everyone (--all)");
        }
        std::vector<std::string> groups = request.groups;
        for (auto& g : groups) {
            if (g.empty() || g.size() > 100) {
                throw Error(ErrorKind::usage, "--group must be 1 to 100 characters",
                            "give the name of the Duo group to enable the integration for");
            }
        }
        std::sort(groups.begin(), groups.end());
        groups.erase(std::unique(groups.begin(), groups.end()), groups.end());

        Outcome outcome;
        outcome.changed = store.update(
            [&](StateDoc& doc, Credentials& creds) {
                Integration& integration = find_mutable(doc, id_or_name);
                Status target = request.all ? Status::all_users : Status::test_group;
                bool same = integration.status == target &&
                            (request.all || integration.test_groups == groups);
                if (!same && !request.force &&
                    !(integration.last_test && integration.last_test->ok)) {
                    throw Error(
                        ErrorKind::conflict,
                        "integration '" + integration.name + "' has " +
                            (integration.last_test ? "not passed its last" : "never passed a") +
                            " configuration test",
                        "run 'tectl test " + integration.name +
                            "' first, or add --force to enable it anyway");
                }
                if (!same) {
                    integration.status = target;
                    if (!request.all)
                        integration.test_groups = groups;
                    integration.updated_at = store.now();
                }
                outcome.integration = integration;
                outcome.has_password = creds.count(integration.id) > 0;
                outcome.summary = describe_status(integration);
            },
            dry_run);
        return outcome;
    });
}

Outcome disable_integration(StateStore& store, std::string_view id_or_name, bool dry_run) {
    return audited(store, "disable", id_or_name, dry_run, [&] {
        Outcome outcome;
        outcome.changed = store.update(
            [&](StateDoc& doc, Credentials& creds) {
                Integration& integration = find_mutable(doc, id_or_name);
                if (integration.status != Status::disabled) {
                    integration.status = Status::disabled;
                    integration.updated_at = store.now();
                }
                outcome.integration = integration;
                outcome.has_password = creds.count(integration.id) > 0;
                outcome.summary = "disabled";
            },
            dry_run);
        return outcome;
    });
}

Outcome delete_integration(StateStore& store, std::string_view id_or_name, bool dry_run) {
    return audited(store, "delete", id_or_name, dry_run, [&] {
        Outcome outcome;
        outcome.changed = store.update(
            [&](StateDoc& doc, Credentials& creds) {
                const Integration& integration = find_integration(doc, id_or_name);
                outcome.integration = integration;
                outcome.has_password = creds.count(integration.id) > 0;
                outcome.summary = "deleted integration '" + integration.name + "'";
                std::erase_if(doc.integrations,
                              [&](const Integration& i) { return i.id == outcome.integration.id; });
            },
            dry_run);
        if (!dry_run) {
            std::error_code ec;
            fs::path index = store.index_file(outcome.integration.id);
            for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
                fs::remove(index.string() + suffix, ec);
            }
        }
        return outcome;
    });
}

Outcome record_test(StateStore& store, std::string_view id_or_name, const ConfigTest& test) {
    return audited(store, "test", id_or_name, false, [&] {
        Outcome outcome;
        outcome.changed = store.update([&](StateDoc& doc, Credentials& creds) {
            Integration& integration = find_mutable(doc, id_or_name);
            integration.last_test = test;
            integration.updated_at = store.now();
            outcome.integration = integration;
            outcome.has_password = creds.count(integration.id) > 0;
            outcome.summary = test.ok ? "configuration test passed" : "configuration test failed";
        });
        return outcome;
    });
}

Outcome record_sync(StateStore& store, std::string_view id_or_name, const std::string& time) {
    return audited(store, "sync", id_or_name, false, [&] {
        Outcome outcome;
        outcome.changed = store.update([&](StateDoc& doc, Credentials& creds) {
            Integration& integration = find_mutable(doc, id_or_name);
            integration.last_sync = time;
            outcome.integration = integration;
            outcome.has_password = creds.count(integration.id) > 0;
            outcome.summary = "device index synced";
        });
        return outcome;
    });
}

}  // namespace tectl
