#include "tectl/state.hpp"

#include "tectl/error.hpp"
#include "tectl/files.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <thread>

namespace tectl {
namespace fs = std::filesystem;

namespace {

std::string env(const char* name) {
    const char* value = std::getenv(name);
    return value ? value : "";
}

std::string os_user() {
    if (const passwd* pw = getpwuid(geteuid()); pw && pw->pw_name)
        return pw->pw_name;
    std::string user = env("USER");
    return user.empty() ? std::to_string(geteuid()) : user;
}

Error corrupt(const fs::path& file, const std::string& why) {
    return Error(ErrorKind::failure, "state file " + file.string() + " is corrupt: " + why,
                 "tectl left it untouched; restore it from a backup, or move it aside to start "
                 "with an empty state");
}

// An exclusive lock on the state directory's lock file, released on destruction.
class DirLock {
  public:
    explicit DirLock(const fs::path& file) {
        fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd_ < 0) {
            throw Error(ErrorKind::failure,
                        "cannot open lock file " + file.string() + ": " + std::strerror(errno),
                        "check the permissions of the state directory");
        }
        // Bounded wait: another tectl holds the lock only for a few milliseconds.
        for (int attempt = 0; attempt < 3000; ++attempt) {
            if (::flock(fd_, LOCK_EX | LOCK_NB) == 0)
                return;
            if (errno != EWOULDBLOCK && errno != EINTR)
                break;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        ::close(fd_);
        throw Error(ErrorKind::failure,
                    "the state in " + file.parent_path().string() +
                        " stayed locked by another tectl for 30 seconds",
                    "wait for the other tectl to finish and try again");
    }
    ~DirLock() {
        if (fd_ >= 0)
            ::close(fd_);  // closing releases the flock
    }
    DirLock(const DirLock&) = delete;
    DirLock& operator=(const DirLock&) = delete;

  private:
    int fd_ = -1;
};

Credentials parse_credentials(const fs::path& file, const std::string& text) {
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        throw Error(ErrorKind::failure, "credential file " + file.string() + " is corrupt",
                    "move it aside and store the EPMM passwords again with tectl configure");
    }
    Credentials creds;
    for (const auto& [id, value] : j.items()) {
        if (value.is_string())
            creds[id] = value.get<std::string>();
    }
    return creds;
}

// Holds back SIGINT and SIGTERM while alive; whatever arrived meanwhile is delivered after.
class SignalsHeld {
  public:
    SignalsHeld() {
        sigemptyset(&set_);
        sigaddset(&set_, SIGINT);
        sigaddset(&set_, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &set_, &previous_);
    }
    ~SignalsHeld() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }
    SignalsHeld(const SignalsHeld&) = delete;
    SignalsHeld& operator=(const SignalsHeld&) = delete;

    bool pending() const {
        sigset_t now;
        sigpending(&now);
        return sigismember(&now, SIGINT) == 1 || sigismember(&now, SIGTERM) == 1;
    }

  private:
    sigset_t set_;
    sigset_t previous_;
};

std::string dump(const nlohmann::json& j) {
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

nlohmann::json state_json(const StateDoc& doc) {
    return {{"schema_version", doc.schema_version}, {"integrations", doc.integrations}};
}

}  // namespace

StateDoc parse_state(std::string_view text, const fs::path& file) {
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded())
        throw corrupt(file, "not valid JSON");
    if (!j.is_object())
        throw corrupt(file, "not a JSON object");
    auto version = j.find("schema_version");
    if (version == j.end() || !version->is_number_integer()) {
        throw corrupt(file, "no schema_version");
    }
    // Read wide: a schema_version of 2^32 + 1 must count as newer, not wrap around to 1.
    std::int64_t v = version->is_number_unsigned() && version->get<std::uint64_t>() > INT64_MAX
                         ? INT64_MAX
                         : version->get<std::int64_t>();
    if (v > kStateSchemaVersion) {
        throw Error(ErrorKind::conflict,
                    "state file " + file.string() + " was written by a newer tectl (schema " +
                        std::to_string(v) + "; this tectl reads up to " +
                        std::to_string(kStateSchemaVersion) + ")",
                    "upgrade tectl; the file was left untouched");
    }
    if (v < 1)
        throw corrupt(file, "schema_version " + std::to_string(v) + " is not valid");
    StateDoc doc;
    doc.schema_version = kStateSchemaVersion;
    try {
        doc.integrations = j.at("integrations").get<std::vector<Integration>>();
    } catch (const nlohmann::json::exception& e) {
        throw corrupt(file, std::string("bad integration record (") + e.what() + ")");
    } catch (const Error& e) {
        throw corrupt(file, e.what());
    }
    return doc;
}

Integration* StateDoc::find(std::string_view id_or_name) {
    for (auto& i : integrations) {
        if (i.id == id_or_name)
            return &i;
    }
    for (auto& i : integrations) {
        if (i.name == id_or_name)
            return &i;
    }
    return nullptr;
}

const Integration* StateDoc::find(std::string_view id_or_name) const {
    return const_cast<StateDoc*>(this)->find(id_or_name);
}

std::string format_time(std::chrono::system_clock::time_point time) {
    std::time_t t = std::chrono::system_clock::to_time_t(time);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

fs::path resolve_state_dir(const std::string& flag_value) {
    if (!flag_value.empty())
        return flag_value;
    if (auto dir = env("TECTL_STATE_DIR"); !dir.empty())
        return dir;
    if (auto xdg = env("XDG_STATE_HOME"); !xdg.empty())
        return fs::path(xdg) / "tectl";
    std::string home = env("HOME");
    if (home.empty()) {
        if (const passwd* pw = getpwuid(geteuid()); pw && pw->pw_dir)
            home = pw->pw_dir;
    }
    if (home.empty()) {
        throw Error(ErrorKind::usage, "cannot find a state directory: HOME is not set",
                    "pass --state-dir DIR or set TECTL_STATE_DIR");
    }
    return fs::path(home) / ".local" / "state" / "tectl";
}

StateStore::StateStore(fs::path dir, Clock clock) : dir_(std::move(dir)), clock_(std::move(clock)) {
    if (!clock_)
        clock_ = [] { return std::chrono::system_clock::now(); };
}

fs::path StateStore::index_file(std::string_view integration_id) const {
    return dir_ / "index" / (std::string(integration_id) + ".sqlite");
}

std::string StateStore::now() const {
    return format_time(clock_());
}

void StateStore::ensure_dir() const {
    std::error_code ec;
    if (!fs::exists(dir_, ec)) {
        fs::create_directories(dir_, ec);
        if (ec) {
            throw Error(ErrorKind::failure,
                        "cannot create state directory " + dir_.string() + ": " + ec.message(),
                        "choose another with --state-dir or TECTL_STATE_DIR");
        }
        ::chmod(dir_.c_str(), 0700);
    }
    if (!fs::is_directory(dir_, ec)) {
        throw Error(ErrorKind::failure, "state directory " + dir_.string() + " is not a directory",
                    "choose another with --state-dir or TECTL_STATE_DIR");
    }
    if (::access(dir_.c_str(), W_OK | X_OK) != 0) {
        throw Error(ErrorKind::failure, "state directory " + dir_.string() + " is not writable",
                    "fix its permissions, or choose another with --state-dir or TECTL_STATE_DIR");
    }
}

StateDoc StateStore::load() const {
    auto text = read_file_limited(state_file(), kMaxStateFileBytes, "state file");
    if (!text)
        return StateDoc{};
    return parse_state(*text, state_file());
}

std::optional<std::string> StateStore::password(std::string_view integration_id) const {
    auto text = read_file_limited(credentials_file(), kMaxStateFileBytes, "credential file");
    if (!text)
        return std::nullopt;
    Credentials creds = parse_credentials(credentials_file(), *text);
    auto it = creds.find(std::string(integration_id));
    if (it == creds.end())
        return std::nullopt;
    return it->second;
}

std::set<std::string> StateStore::ids_with_password() const {
    std::set<std::string> ids;
    auto text = read_file_limited(credentials_file(), kMaxStateFileBytes, "credential file");
    if (!text)
        return ids;
    for (const auto& [id, password] : parse_credentials(credentials_file(), *text))
        ids.insert(id);
    return ids;
}

bool StateStore::update(const std::function<void(StateDoc&, Credentials&)>& change, bool dry_run) {
    std::optional<DirLock> lock;
    if (!dry_run) {
        ensure_dir();
        lock.emplace(dir_ / "state.lock");
    }

    StateDoc before = load();
    Credentials creds_before;
    if (auto text = read_file_limited(credentials_file(), kMaxStateFileBytes, "credential file")) {
        creds_before = parse_credentials(credentials_file(), *text);
    }

    StateDoc doc = before;
    Credentials creds = creds_before;
    change(doc, creds);

    // A password belongs to an integration; one whose integration is gone goes with it.
    for (auto it = creds.begin(); it != creds.end();) {
        it = doc.find(it->first) && doc.find(it->first)->id == it->first ? std::next(it)
                                                                         : creds.erase(it);
    }

    nlohmann::json new_state = state_json(doc);
    bool state_changed = new_state != state_json(before);
    bool creds_changed = creds != creds_before;
    if (dry_run || (!state_changed && !creds_changed))
        return state_changed || creds_changed;

    // SIGINT and SIGTERM wait until both files are written, so they never leave a temporary
    // file behind or a state without its credentials. One that came before the commit stops it.
    SignalsHeld held;
    if (held.pending()) {
        throw Error(ErrorKind::interrupted, "interrupted before the state was written",
                    "nothing was changed; run the command again");
    }
    if (state_changed)
        write_file_atomic(state_file(), dump(new_state), 0644);
    if (creds_changed)
        write_file_atomic(credentials_file(), dump(nlohmann::json(creds)), 0600);
    return true;
}

void StateStore::audit(const AuditEntry& entry) const {
    nlohmann::json line = {{"time", now()},
                           {"user", os_user()},
                           {"command", entry.command},
                           {"integration", entry.integration},
                           {"change", entry.change},
                           {"outcome", entry.outcome}};
    append_line(audit_file(),
                line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

std::vector<std::string> StateStore::warnings() const {
    std::vector<std::string> out;
    struct stat st {};
    if (::stat(credentials_file().c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
        out.push_back("credential file " + credentials_file().string() +
                      " is readable by other users; run: chmod 600 " + credentials_file().string());
    }
    return out;
}

}  // namespace tectl
