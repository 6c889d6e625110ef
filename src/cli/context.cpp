#include "context.hpp"

#include "tectl/error.hpp"
#include "tectl/log.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace tectl::cli {
namespace {

std::atomic<bool> g_interrupted{false};
std::atomic<int> g_signal{0};
std::atomic<int> g_cancellable{0};

void on_signal(int signo) {
    g_signal = signo;
    if (g_cancellable.load() > 0) {
        g_interrupted = true;
        return;
    }
    _exit(128 + signo);
}

bool env_set(const char* name) {
    const char* value = std::getenv(name);
    return value && *value && std::string_view(value) != "0";
}

}  // namespace

const std::atomic<bool>& interrupted() {
    return g_interrupted;
}
int interrupt_signal() {
    return g_signal.load();
}

CancellableScope::CancellableScope() {
    ++g_cancellable;
}
CancellableScope::~CancellableScope() {
    --g_cancellable;
}

void install_signal_handlers() {
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    signal(SIGPIPE, SIG_IGN);
}

void Context::start() {
    if (global.color == "always") {
        color_ = true;
    } else if (global.color == "never") {
        color_ = false;
    } else {
        const char* term = std::getenv("TERM");
        color_ = isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR") &&
                 !(term && std::string_view(term) == "dumb");
    }
    if (global.json)
        color_ = false;

    log::set_debug(global.verbose > 0);
    bool quiet = global.quiet;
    // On a terminal a message first clears the line, where a progress bar may stand; the bar
    // is drawn again below it.
    const char* clear = stderr_is_terminal() ? "\r\033[K" : "";
    log::set_sink([quiet, clear](log::Level level, std::string_view message) {
        if (level == log::Level::warning) {
            std::cerr << clear << "tectl: warning: " << message << '\n';
        } else if (!quiet || level == log::Level::debug) {
            std::cerr << clear << (level == log::Level::debug ? "tectl: debug: " : "tectl: ")
                      << message << '\n';
        }
    });
}

StateStore& Context::store() {
    if (!store_)
        store_ = std::make_unique<StateStore>(resolve_state_dir(global.state_dir));
    return *store_;
}

bool Context::interactive() const {
    if (global.no_input || env_set("TECTL_NO_INPUT"))
        return false;
    return isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
}

void Context::confirm(const std::string& action, const std::string& warning) const {
    if (!warning.empty())
        note(warning);
    if (global.yes)
        return;
    if (!interactive()) {
        throw Error(ErrorKind::usage,
                    "refusing to " + action + " without confirmation: there is no terminal to ask",
                    "add --yes to confirm");
    }
    std::cerr << "Really " << action << "? [y/N] " << std::flush;
    std::string answer;
    if (!std::getline(std::cin, answer))
        answer.clear();
    if (answer != "y" && answer != "Y" && answer != "yes" && answer != "YES") {
        throw Error(ErrorKind::failure, "not confirmed; nothing was changed");
    }
}

std::string Context::read_secret(const std::string& prompt) const {
    std::cerr << prompt << std::flush;
    termios old_mode{};
    bool restored = tcgetattr(STDIN_FILENO, &old_mode) == 0;
    if (restored) {
        termios silent = old_mode;
        silent.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        tcsetattr(STDIN_FILENO, TCSANOW, &silent);
    }
    std::string line;
    std::getline(std::cin, line);
    if (restored)
        tcsetattr(STDIN_FILENO, TCSANOW, &old_mode);
    std::cerr << '\n';
    return line;
}

void Context::print(std::string_view text) const {
    if (global.json)
        return;
    std::cout << text << '\n';
}

void Context::note(std::string_view text) const {
    if (global.quiet)
        return;
    std::cerr << text << '\n';
}

void Context::warn(std::string_view text) const {
    std::cerr << "tectl: warning: " << text << '\n';
}

void Context::emit(const nlohmann::json& document) const {
    if (!global.json)
        return;
    std::cout << document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

std::string Context::paint(std::string_view text, Style style) const {
    if (!color_)
        return std::string(text);
    const char* code = "";
    switch (style) {
        case Style::bold:
            code = "1";
            break;
        case Style::dim:
            code = "2";
            break;
        case Style::green:
            code = "32";
            break;
        case Style::yellow:
            code = "33";
            break;
        case Style::red:
            code = "31";
            break;
    }
    return fmt::format("\033[{}m{}\033[0m", code, text);
}

bool Context::stderr_is_terminal() const {
    return isatty(STDERR_FILENO);
}

void add_epmm_options(CLI::App& command, EpmmOptions& options) {
    const char* group = "EPMM API";
    options.host_opt =
        command
            .add_option("--epmm-host", options.host,
                        "EPMM host name (a URL is reduced to its host; a port other than 443 "
                        "is kept)")
            ->group(group);
    options.user_opt =
        command
            .add_option("--epmm-user", options.user, "e-mail address of the EPMM local API user")
            ->group(group);
    options.password_file_opt =
        command
            .add_option("--epmm-password-file", options.password_file,
                        "read the API user's password from FILE ('-' for stdin); else "
                        "TECTL_EPMM_PASSWORD, else a hidden prompt on a terminal")
            ->type_name("FILE")
            ->group(group);
    options.spaces_opt = command
                             .add_option("--space", options.spaces,
                                         "device space id to use (repeatable); default: the "
                                         "API user's own spaces")
                             ->type_name("ID")
                             ->group(group);
    options.cacert_opt = command
                             .add_option("--cacert", options.cacert,
                                         "PEM file with the CA certificates that sign EPMM's "
                                         "TLS certificate")
                             ->type_name("FILE")
                             ->group(group);
    options.insecure_opt =
        command.add_flag("--insecure", options.insecure, "do not verify EPMM's TLS certificate")
            ->group(group);
    options.verify_opt = command
                             .add_flag("--verify-tls", options.verify_tls,
                                       "verify EPMM's TLS certificate again (undoes --insecure)")
                             ->group(group)
                             ->excludes(options.insecure_opt);
}

namespace {

std::string strip_newline(std::string text) {
    if (!text.empty() && text.back() == '\n')
        text.pop_back();
    if (!text.empty() && text.back() == '\r')
        text.pop_back();
    return text;
}

std::string checked_password(std::string password, const std::string& source) {
    if (password.empty()) {
        throw Error(ErrorKind::usage, "the EPMM password from " + source + " is empty",
                    "give the EPMM API user's password there, or with --epmm-password-file FILE");
    }
    if (password.find('\0') != std::string::npos || password.find('\n') != std::string::npos) {
        throw Error(ErrorKind::usage,
                    "the EPMM password from " + source + " holds a NUL or a line break",
                    "put the password alone on the first line");
    }
    log::add_secret(password);
    return password;
}

}  // namespace

std::optional<std::string> read_password(const Context& ctx, const EpmmOptions& options,
                                         const std::string& prompt_for) {
    if (options.password_file_opt && options.password_file_opt->count() > 0) {
        const std::string& file = options.password_file;
        // Read one byte past the limit and no more: the file may be /dev/zero or a huge pipe.
        constexpr std::size_t limit = 4096;
        std::string text(limit + 1, '\0');
        if (file == "-") {
            std::cin.read(text.data(), static_cast<std::streamsize>(text.size()));
            text.resize(static_cast<std::size_t>(std::cin.gcount()));
        } else {
            std::error_code ec;
            if (std::filesystem::is_directory(file, ec))
                throw Error(ErrorKind::usage, "--epmm-password-file " + file + " is a directory",
                            "give the file holding the API user's password");
            std::ifstream in(file, std::ios::binary);
            if (!in) {
                throw Error(ErrorKind::usage, "--epmm-password-file " + file + ": cannot read it",
                            "give a readable file holding the API user's password");
            }
            in.read(text.data(), static_cast<std::streamsize>(text.size()));
            text.resize(static_cast<std::size_t>(in.gcount()));
        }
        if (text.size() > limit) {
            throw Error(ErrorKind::usage, "--epmm-password-file " + file + " is too large",
                        "put the password alone on the first line");
        }
        return checked_password(strip_newline(text),
                                file == "-" ? "standard input" : "--epmm-password-file " + file);
    }
    if (const char* env = std::getenv("TECTL_EPMM_PASSWORD"); env) {
        return checked_password(env, "TECTL_EPMM_PASSWORD");
    }
    if (!prompt_for.empty() && ctx.interactive()) {
        return checked_password(ctx.read_secret("EPMM password for " + prompt_for + ": "),
                                "the prompt");
    }
    return std::nullopt;
}

EpmmChanges epmm_changes(const Context& ctx, const EpmmOptions& options) {
    EpmmChanges changes;
    if (options.host_opt->count())
        changes.host = options.host;
    if (options.user_opt->count())
        changes.user = options.user;
    if (options.spaces_opt->count())
        changes.spaces = options.spaces;
    if (options.cacert_opt->count())
        changes.cacert = options.cacert;
    if (options.insecure_opt->count())
        changes.insecure = true;
    if (options.verify_opt->count())
        changes.insecure = false;
    changes.password = read_password(ctx, options, changes.user.value_or(""));
    return changes;
}

nlohmann::json integration_json(const Integration& integration, bool has_password) {
    nlohmann::json j = integration;
    j["has_password"] = has_password;
    return j;
}

void print_notes(const Context& ctx, const std::vector<std::string>& notes) {
    for (const auto& n : notes)
        ctx.note("note: " + n);
}

std::string examples(std::initializer_list<std::string_view> lines) {
    std::string out = "\nExamples:\n";
    for (auto line : lines)
        out += fmt::format("  {}\n", line);
    return out;
}

}  // namespace tectl::cli

namespace tectl::cli {

void report_status_change(const Context& ctx, const Outcome& outcome) {
    const Integration& i = outcome.integration;
    ctx.emit({{"id", i.id},
              {"changed", outcome.changed},
              {"dry_run", ctx.global.dry_run},
              {"status", to_string(i.status)},
              {"summary", outcome.summary},
              {"integration", integration_json(i, outcome.has_password)}});
    if (ctx.json())
        return;
    if (!outcome.changed) {
        ctx.print(
            fmt::format("unchanged: integration '{}' is already {}", i.name, outcome.summary));
    } else {
        ctx.print(fmt::format("{}integration '{}': {}",
                              ctx.global.dry_run ? "dry run: would have " : "", i.name,
                              outcome.summary));
    }
}

Outcome confirm_then_run(Context& ctx, const std::string& action, const std::string& warning,
                         const std::function<Outcome(bool dry_run)>& operation) {
    Outcome preview = operation(true);
    if (ctx.global.dry_run || !preview.changed)
        return preview;
    if (!action.empty())
        ctx.confirm(action, warning);
    return operation(false);
}

}  // namespace tectl::cli
