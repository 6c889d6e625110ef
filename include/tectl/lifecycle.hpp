// The integration lifecycle: create, configure, enable, disable, delete, and recording the
// outcome of a configuration test or a device sync. Each operation is one state-store update
// and one audit line, and is safe to re-run: the same request twice reports "unchanged".
#pragma once

#include "tectl/integration.hpp"
#include "tectl/state.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tectl {

// EPMM API details as given on the command line; unset fields are left as they are.
struct EpmmChanges {
    std::optional<std::string> host;  // as typed; normalised by the operation
    std::optional<std::string> user;
    std::optional<std::string> password;  // the secret itself, read from a file, stdin or env
    std::optional<std::vector<std::int64_t>> spaces;
    std::optional<std::string> cacert;  // a path; made absolute
    std::optional<bool> insecure;

    bool empty() const;
};

struct CreateRequest {
    std::string platform;                   // "android" or "ios"
    std::optional<std::string> name;        // default: derived from platform and host
    std::optional<std::string> config_key;  // default: minted
    EpmmChanges epmm;
};

struct EnableRequest {
    std::vector<std::string> groups;  // test group names; empty with `all`
    bool all = false;
    bool force = false;  // enable although the last test did not pass
};

struct Outcome {
    Integration integration;
    bool changed = false;
    bool has_password = false;
    std::string summary;             // what was done, in words ("enabled for all users")
    std::vector<std::string> notes;  // normalisations and warnings to show the admin
};

// Finds an integration by id or name; throws Error(not_found) naming what was asked.
const Integration& find_integration(const StateDoc& doc, std::string_view id_or_name);

Outcome create_integration(StateStore& store, const CreateRequest& request, bool dry_run = false);

Outcome configure_integration(StateStore& store, std::string_view id_or_name,
                              const EpmmChanges& changes,
                              const std::optional<std::string>& config_key, bool dry_run = false);

Outcome enable_integration(StateStore& store, std::string_view id_or_name,
                           const EnableRequest& request, bool dry_run = false);

Outcome disable_integration(StateStore& store, std::string_view id_or_name, bool dry_run = false);

// Removes the integration, its stored password and its device index.
Outcome delete_integration(StateStore& store, std::string_view id_or_name, bool dry_run = false);

// Records a configuration test outcome (what `enable` checks).
Outcome record_test(StateStore& store, std::string_view id_or_name, const ConfigTest& test);

// Records the time of a completed device sync.
Outcome record_sync(StateStore& store, std::string_view id_or_name, const std::string& time);

// Applies EPMM changes to settings, normalising them; returns the notes. Used by create,
// configure and an ad-hoc `tectl test`.
std::vector<std::string> apply_epmm_changes(EpmmSettings& settings, const EpmmChanges& changes);

}  // namespace tectl
