// The state store: integrations in `state.json`, EPMM passwords in `credentials.json`, and an
// append-only `audit.jsonl`, all in one state directory.
//
// Every change runs as lock -> read -> modify -> write a temporary file -> fsync -> rename, under
// an exclusive lock on `state.lock`, so parallel tectl processes never lose an update and a kill
// at any moment leaves either the old or the new file. Reads take no lock: rename is atomic.
// state.json holds no secret, so it can be shared or committed; the credential file is 0600 in a
// 0700 directory.
#pragma once

#include "tectl/integration.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace tectl {

inline constexpr int kStateSchemaVersion = 1;

// Files above this size are refused rather than loaded.
inline constexpr std::uintmax_t kMaxStateFileBytes = 16 * 1024 * 1024;

struct StateDoc {
    int schema_version = kStateSchemaVersion;
    std::vector<Integration> integrations;

    // By id first, then by name; nullptr when there is none.
    Integration* find(std::string_view id_or_name);
    const Integration* find(std::string_view id_or_name) const;
};

// EPMM passwords by integration id.
using Credentials = std::map<std::string, std::string>;

struct AuditEntry {
    std::string command;      // "create", "enable", ...
    std::string integration;  // id, or empty
    std::string change;       // what changed, in words; never a secret
    std::string outcome;      // "changed", "unchanged", "refused: ...", "failed: ..."
};

// Parses the text of a state file; `file` names it in error messages. Throws Error: failure for
// anything that is not a state document, conflict for one written by a newer tectl.
StateDoc parse_state(std::string_view text, const std::filesystem::path& file = "state.json");

using Clock = std::function<std::chrono::system_clock::time_point()>;

// ISO-8601 UTC with seconds: 2026-12-03T12:00:00Z.
std::string format_time(std::chrono::system_clock::time_point time);

// --state-dir, else $TECTL_STATE_DIR, else $XDG_STATE_HOME/tectl, else ~/.local/state/tectl.
std::filesystem::path resolve_state_dir(const std::string& flag_value);

class StateStore {
  public:
    explicit StateStore(std::filesystem::path dir, Clock clock = {});

    const std::filesystem::path& dir() const { return dir_; }
    std::filesystem::path state_file() const { return dir_ / "state.json"; }
    std::filesystem::path credentials_file() const { return dir_ / "credentials.json"; }
    std::filesystem::path audit_file() const { return dir_ / "audit.jsonl"; }
    std::filesystem::path index_file(std::string_view integration_id) const;

    std::string now() const;

    // The current state; a missing file is an empty state. Throws Error for a corrupt file
    // (failure, naming the path) or one written by a newer tectl (conflict).
    StateDoc load() const;

    // Runs `change` on the current state and credentials under the exclusive lock and writes
    // whatever it modified. Returns whether anything changed. With `dry_run` nothing is written
    // (and the directory is not created). An exception from `change` leaves everything as it was.
    bool update(const std::function<void(StateDoc&, Credentials&)>& change, bool dry_run = false);

    // The stored EPMM password of an integration, if any.
    std::optional<std::string> password(std::string_view integration_id) const;

    // The ids of the integrations that have a stored password (one read of the file).
    std::set<std::string> ids_with_password() const;

    // Appends one line to the audit log (time and OS user added here).
    void audit(const AuditEntry& entry) const;

    // Warnings about the directory found while loading (e.g. a readable credential file).
    std::vector<std::string> warnings() const;

  private:
    void ensure_dir() const;

    std::filesystem::path dir_;
    Clock clock_;
};

}  // namespace tectl
