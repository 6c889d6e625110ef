// What every command shares: the global options, the console (text or --json), prompts that
// never hang off a terminal, the state store, and the EPMM options with password input.
#pragma once

#include "tectl/integration.hpp"
#include "tectl/lifecycle.hpp"
#include "tectl/state.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tectl::cli {

struct GlobalOptions {
    bool json = false;
    bool no_input = false;
    bool yes = false;
    bool dry_run = false;
    int verbose = 0;
    bool quiet = false;
    std::string color = "auto";
    std::string state_dir;
    double timeout = 30.0;  // seconds, for EPMM requests
};

enum class Style { bold, dim, green, yellow, red };

class Context {
  public:
    GlobalOptions global;

    // The exit status of a command that ran to the end and printed its outcome, but reports a
    // negative result: `appconfig check` finding problems (1), a failed `test` (4 or 5), a
    // `search` with identifiers not found (3). Errors are thrown instead.
    int exit_status = 0;

    // Called once options are parsed: sets up logging and colour.
    void start();

    StateStore& store();

    // True when prompting is allowed: stdin and stdout are terminals, and neither --no-input
    // nor TECTL_NO_INPUT says otherwise.
    bool interactive() const;

    // Asks "Really <action>?" on a terminal, after showing `warning`; without a terminal,
    // --yes must have been given. Throws Error(usage) when it may not ask, Error(failure) when
    // the answer is no.
    void confirm(const std::string& action, const std::string& warning = {}) const;

    // Reads a line from the terminal without echo.
    std::string read_secret(const std::string& prompt) const;

    bool json() const { return global.json; }

    // Human text on stdout (not in --json mode).
    void print(std::string_view text) const;
    // Progress and notes on stderr, unless -q.
    void note(std::string_view text) const;
    // Warnings on stderr, always.
    void warn(std::string_view text) const;
    // The one JSON document of a command, on stdout (only in --json mode).
    void emit(const nlohmann::json& document) const;

    std::string paint(std::string_view text, Style style) const;
    bool stderr_is_terminal() const;

  private:
    std::unique_ptr<StateStore> store_;
    bool color_ = false;
};

// Set by SIGINT/SIGTERM while a cancellable operation runs (see CancellableScope).
const std::atomic<bool>& interrupted();
int interrupt_signal();

// While alive, SIGINT and SIGTERM only set interrupted() instead of ending the process, so a
// long operation can roll back and return. Outside one, they end the process at once with
// 130 / 143 (every state write is atomic, so nothing is left half-written).
class CancellableScope {
  public:
    CancellableScope();
    ~CancellableScope();
};

void install_signal_handlers();

// The EPMM options shared by create, configure and test.
struct EpmmOptions {
    std::string host;
    std::string user;
    std::string password_file;
    std::vector<std::int64_t> spaces;
    std::string cacert;
    bool insecure = false;
    bool verify_tls = false;

    CLI::Option* host_opt = nullptr;
    CLI::Option* user_opt = nullptr;
    CLI::Option* password_file_opt = nullptr;
    CLI::Option* spaces_opt = nullptr;
    CLI::Option* cacert_opt = nullptr;
    CLI::Option* insecure_opt = nullptr;
    CLI::Option* verify_opt = nullptr;
};

void add_epmm_options(CLI::App& command, EpmmOptions& options);

// The EPMM password from --epmm-password-file (FILE, or - for stdin), else TECTL_EPMM_PASSWORD,
// else, when `prompt_for` names a user and prompting is allowed, a hidden prompt.
std::optional<std::string> read_password(const Context& ctx, const EpmmOptions& options,
                                         const std::string& prompt_for);

// What the options ask to change, with the password read as above.
EpmmChanges epmm_changes(const Context& ctx, const EpmmOptions& options);

// The JSON view of an integration: the record plus whether a password is stored. Never the
// password.
nlohmann::json integration_json(const Integration& integration, bool has_password);

// Prints the notes of an operation (normalisations, warnings) on stderr.
void print_notes(const Context& ctx, const std::vector<std::string>& notes);

// The same --help footer shape everywhere: "Examples:" then one example a line.
std::string examples(std::initializer_list<std::string_view> lines);

}  // namespace tectl::cli

namespace tectl::cli {

// Renders the outcome of a status change (enable, disable, delete) as text or JSON.
void report_status_change(const Context& ctx, const Outcome& outcome);

// Runs `operation` first as a dry run; when that would change something and `action` is not
// empty, asks for confirmation (see Context::confirm) before running it for real.
Outcome confirm_then_run(Context& ctx, const std::string& action, const std::string& warning,
                         const std::function<Outcome(bool dry_run)>& operation);

}  // namespace tectl::cli
