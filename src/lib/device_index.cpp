#include "tectl/device_index.hpp"

#include "tectl/error.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <system_error>
#include <utility>

namespace tectl {

namespace {

// Bumped when the layout changes; an index from a newer tectl is refused, an older one rebuilt
// by the next sync. Version 2 keeps the rows in the UUID's own b-tree (WITHOUT ROWID) and no
// longer stores each device's JSON text, which nothing read.
constexpr int kSchemaVersion = 2;

constexpr const char* kColumns =
    "uuid TEXT PRIMARY KEY NOT NULL, space_id INTEGER NOT NULL, space_name TEXT NOT NULL, "
    "platform TEXT NOT NULL, status TEXT NOT NULL, model TEXT NOT NULL, user_id TEXT NOT NULL, "
    "last_check_in TEXT NOT NULL, android_enterprise INTEGER, epmm_id INTEGER";
constexpr const char* kTableOptions = ") WITHOUT ROWID";

constexpr const char* kSelect =
    "SELECT uuid, space_id, space_name, platform, status, model, user_id, last_check_in, "
    "android_enterprise, epmm_id FROM devices WHERE uuid = ?1";

std::string hint_for(const std::filesystem::path& path) {
    return "remove " + path.string() + " and run `tectl sync` to rebuild it";
}

[[noreturn]] void fail(sqlite3* db, const std::filesystem::path& path, const std::string& what) {
    std::string detail = db ? sqlite3_errmsg(db) : "out of memory";
    int code = db ? sqlite3_errcode(db) : SQLITE_NOMEM;
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
        throw Error(ErrorKind::conflict,
                    "the device index " + path.string() + " is being written by another sync",
                    "wait for the other `tectl sync` to finish, then try again");
    }
    throw Error(ErrorKind::failure, "device index " + path.string() + ": " + what + ": " + detail,
                hint_for(path));
}

void exec(sqlite3* db, const std::filesystem::path& path, const std::string& sql) {
    char* message = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
    sqlite3_free(message);
    if (rc != SQLITE_OK)
        fail(db, path, "cannot run `" + sql.substr(0, 40) + "`");
}

struct Statement {
    sqlite3_stmt* stmt = nullptr;
    Statement() = default;
    Statement(sqlite3* db, const std::filesystem::path& path, const char* sql) {
        if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) !=
            SQLITE_OK) {
            fail(db, path, "cannot prepare a statement");
        }
    }
    Statement(Statement&& other) noexcept : stmt(std::exchange(other.stmt, nullptr)) {}
    Statement& operator=(Statement&& other) noexcept {
        std::swap(stmt, other.stmt);
        return *this;
    }
    ~Statement() { sqlite3_finalize(stmt); }
};

int pragma_int(sqlite3* db, const std::filesystem::path& path, const char* sql) {
    Statement s(db, path, sql);
    int rc = sqlite3_step(s.stmt);
    if (rc == SQLITE_ROW)
        return sqlite3_column_int(s.stmt, 0);
    if (rc == SQLITE_DONE)
        return 0;
    fail(db, path, "cannot read its header");
}

std::string column_text(sqlite3_stmt* stmt, int i) {
    const unsigned char* text = sqlite3_column_text(stmt, i);
    return text ? std::string(reinterpret_cast<const char*>(text),
                              static_cast<std::size_t>(sqlite3_column_bytes(stmt, i)))
                : std::string();
}

void bind_text(sqlite3_stmt* stmt, int i, const std::string& value) {
    sqlite3_bind_text(stmt, i, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
}

IndexedDevice read_device(sqlite3_stmt* stmt) {
    IndexedDevice d;
    d.uuid = column_text(stmt, 0);
    d.space_id = sqlite3_column_int64(stmt, 1);
    d.space_name = column_text(stmt, 2);
    d.platform = column_text(stmt, 3);
    d.status = column_text(stmt, 4);
    d.model = column_text(stmt, 5);
    d.user_id = column_text(stmt, 6);
    d.last_check_in = column_text(stmt, 7);
    if (sqlite3_column_type(stmt, 8) != SQLITE_NULL)
        d.android_enterprise = sqlite3_column_int(stmt, 8) != 0;
    if (sqlite3_column_type(stmt, 9) != SQLITE_NULL)
        d.epmm_id = sqlite3_column_int64(stmt, 9);
    return d;
}

// A field of an EPMM result: flat ("common.uuid") as documented, or nested as a fallback.
const nlohmann::json* field(const nlohmann::json& result, const std::string& name) {
    if (auto it = result.find(name); it != result.end() && !it->is_null())
        return &*it;
    auto dot = name.find('.');
    if (dot == std::string::npos)
        return nullptr;
    auto group = result.find(name.substr(0, dot));
    if (group == result.end() || !group->is_object())
        return nullptr;
    auto it = group->find(name.substr(dot + 1));
    return it != group->end() && !it->is_null() ? &*it : nullptr;
}

std::string iso_from_millis(std::int64_t ms) {
    std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    char out[40];
    std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms % 1000));
    return out;
}

std::string text_field(const nlohmann::json& result, const std::string& name) {
    const nlohmann::json* v = field(result, name);
    if (!v)
        return {};
    if (v->is_string())
        return v->get<std::string>();
    if (v->is_boolean())
        return v->get<bool>() ? "true" : "false";
    if (v->is_number_integer())
        return std::to_string(v->get<std::int64_t>());
    if (v->is_number())
        return v->dump();
    return {};
}

}  // namespace

bool user_id_masked(const std::string& user_id) {
    return !user_id.empty() &&
           std::all_of(user_id.begin(), user_id.end(), [](char c) { return c == '*'; });
}

std::optional<IndexedDevice> device_from_epmm(const nlohmann::json& result, std::int64_t space_id,
                                              const std::string& space_name) {
    if (!result.is_object())
        return std::nullopt;
    IndexedDevice d;
    d.uuid = text_field(result, "common.uuid");
    for (char& c : d.uuid)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (d.uuid.empty())
        return std::nullopt;
    d.space_id = space_id;
    d.space_name = space_name;
    d.platform = text_field(result, "common.platform");
    d.status = text_field(result, "common.status");
    d.model = text_field(result, "common.model");
    d.user_id = text_field(result, "user.user_id");

    if (const auto* seen = field(result, "common.last_connected_at")) {
        d.last_check_in = seen->is_number_integer()
                              ? iso_from_millis(seen->get<std::int64_t>())
                              : text_field(result, "common.last_connected_at");
    }
    if (const auto* afw = field(result, "android.afw_capable")) {
        if (afw->is_boolean()) {
            d.android_enterprise = afw->get<bool>();
        } else if (afw->is_number()) {
            d.android_enterprise = afw->get<double>() != 0;
        } else if (afw->is_string()) {
            std::string s = afw->get<std::string>();
            if (s == "true" || s == "TRUE" || s == "True" || s == "1")
                d.android_enterprise = true;
            if (s == "false" || s == "FALSE" || s == "False" || s == "0")
                d.android_enterprise = false;
        }
    }
    if (const auto* id = field(result, "common.id")) {
        if (id->is_number_integer()) {
            d.epmm_id = id->get<std::int64_t>();
        } else if (id->is_string()) {
            const std::string s = id->get<std::string>();
            if (!s.empty() && s.size() < 19 && std::all_of(s.begin(), s.end(), ::isdigit)) {
                d.epmm_id = std::stoll(s);
            }
        }
    }
    return d;
}

nlohmann::json device_json(const IndexedDevice& d) {
    nlohmann::json j = {
        {"uuid", d.uuid},
        {"epmm_id", d.epmm_id ? nlohmann::json(*d.epmm_id) : nlohmann::json()},
        {"space_id", d.space_id},
        {"space_name", d.space_name},
        {"platform", d.platform},
        {"status", d.status},
        {"model", d.model},
        {"user_id", d.user_id},
        {"user_id_masked", user_id_masked(d.user_id)},
        {"last_check_in", d.last_check_in},
    };
    if (d.android_enterprise) {
        j["android_enterprise_capable"] = *d.android_enterprise;
    } else if (d.platform == "Android" || d.platform == "ANDROID" || d.platform == "android") {
        j["android_enterprise_capable"] = nullptr;
    }
    return j;
}

// ---- writer -----------------------------------------------------------------------------------

struct DeviceIndexWriter::Impl {
    std::filesystem::path path;
    sqlite3* db = nullptr;
    Statement insert;
    bool open_transaction = false;
    std::int64_t added = 0;
    std::vector<IndexedSpace> spaces;

    ~Impl() {
        if (open_transaction)
            sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
        insert = Statement();
        sqlite3_close_v2(db);
    }
};

DeviceIndexWriter::DeviceIndexWriter(const std::filesystem::path& path)
    : impl_(std::make_unique<Impl>()) {
    impl_->path = path;
    std::error_code ec;
    if (path.has_parent_path())
        std::filesystem::create_directories(path.parent_path(), ec);

    int rc =
        sqlite3_open_v2(path.c_str(), &impl_->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK)
        fail(impl_->db, path, "cannot open for writing");
    sqlite3_extended_result_codes(impl_->db, 0);
    // A second sync waits briefly for the first, then gives up with a conflict.
    sqlite3_busy_timeout(impl_->db, 2000);

    int version = pragma_int(impl_->db, path, "PRAGMA user_version");
    if (version > kSchemaVersion) {
        throw Error(ErrorKind::failure,
                    "the device index " + path.string() + " was written by a newer tectl",
                    "upgrade tectl, or " + hint_for(path));
    }
    exec(impl_->db, path, "PRAGMA journal_mode=WAL");
    // In WAL mode NORMAL keeps every commit atomic; only durability of the last one is at stake.
    exec(impl_->db, path, "PRAGMA synchronous=NORMAL");
    exec(impl_->db, path, "PRAGMA cache_size=-16384");

    exec(impl_->db, path, "BEGIN IMMEDIATE");
    impl_->open_transaction = true;
    if (version < kSchemaVersion) {
        exec(impl_->db, path, "DROP TABLE IF EXISTS devices");
        exec(impl_->db, path, "DROP TABLE IF EXISTS meta");
    }
    exec(impl_->db, path,
         "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)");
    exec(impl_->db, path,
         std::string("CREATE TABLE IF NOT EXISTS devices (") + kColumns + kTableOptions);
    exec(impl_->db, path, "DROP TABLE IF EXISTS devices_next");
    exec(impl_->db, path, std::string("CREATE TABLE devices_next (") + kColumns + kTableOptions);
    exec(impl_->db, path, "PRAGMA user_version=" + std::to_string(kSchemaVersion));

    impl_->insert =
        Statement(impl_->db, path,
                  "INSERT OR IGNORE INTO devices_next (uuid, space_id, space_name, "
                  "platform, status, model, user_id, last_check_in, android_enterprise, "
                  "epmm_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
}

DeviceIndexWriter::~DeviceIndexWriter() = default;

bool DeviceIndexWriter::add(const IndexedDevice& d) {
    sqlite3_stmt* s = impl_->insert.stmt;
    bind_text(s, 1, d.uuid);
    sqlite3_bind_int64(s, 2, d.space_id);
    bind_text(s, 3, d.space_name);
    bind_text(s, 4, d.platform);
    bind_text(s, 5, d.status);
    bind_text(s, 6, d.model);
    bind_text(s, 7, d.user_id);
    bind_text(s, 8, d.last_check_in);
    if (d.android_enterprise) {
        sqlite3_bind_int(s, 9, *d.android_enterprise ? 1 : 0);
    } else {
        sqlite3_bind_null(s, 9);
    }
    if (d.epmm_id) {
        sqlite3_bind_int64(s, 10, *d.epmm_id);
    } else {
        sqlite3_bind_null(s, 10);
    }
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        fail(impl_->db, impl_->path, "cannot add a device");
    if (sqlite3_changes(impl_->db) == 0)
        return false;
    ++impl_->added;
    return true;
}

std::int64_t DeviceIndexWriter::count() const {
    return impl_->added;
}

void DeviceIndexWriter::commit(IndexMeta meta) {
    if (!impl_->open_transaction) {
        throw Error(ErrorKind::failure, "the device index was already committed");
    }
    meta.device_count = impl_->added;
    nlohmann::json spaces = nlohmann::json::array();
    for (const auto& s : meta.spaces) {
        spaces.push_back(
            {{"id", s.id}, {"name", s.name}, {"devices", s.devices}, {"reported", s.reported}});
    }

    sqlite3* db = impl_->db;
    const auto& path = impl_->path;
    exec(db, path, "DROP TABLE devices");
    exec(db, path, "ALTER TABLE devices_next RENAME TO devices");
    Statement put(db, path, "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)");
    for (const auto& [key, value] :
         {std::pair<std::string, std::string>{"last_sync", meta.last_sync},
          {"device_count", std::to_string(meta.device_count)},
          {"spaces", spaces.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)}}) {
        bind_text(put.stmt, 1, key);
        bind_text(put.stmt, 2, value);
        if (sqlite3_step(put.stmt) != SQLITE_DONE)
            fail(db, path, "cannot write its summary");
        sqlite3_reset(put.stmt);
    }
    impl_->insert = Statement();
    put = Statement();
    exec(db, path, "COMMIT");
    impl_->open_transaction = false;
    // Fold the new index into the main file now rather than at some reader's expense later;
    // a reader still on the old snapshot only makes this partial, which is harmless.
    sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
}

// ---- reader -----------------------------------------------------------------------------------

struct DeviceIndex::Impl {
    std::filesystem::path path;
    sqlite3* db = nullptr;
    Statement select;

    ~Impl() {
        select = Statement();
        sqlite3_close_v2(db);
    }
};

DeviceIndex::DeviceIndex(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DeviceIndex::DeviceIndex(DeviceIndex&&) noexcept = default;
DeviceIndex& DeviceIndex::operator=(DeviceIndex&&) noexcept = default;
DeviceIndex::~DeviceIndex() = default;

std::optional<DeviceIndex> DeviceIndex::open(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        return std::nullopt;

    auto impl = std::make_unique<Impl>();
    impl->path = path;
    if (sqlite3_open_v2(path.c_str(), &impl->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
        fail(impl->db, path, "cannot open for reading");
    }
    sqlite3_busy_timeout(impl->db, 2000);
    int version = pragma_int(impl->db, path, "PRAGMA user_version");
    if (version > kSchemaVersion) {
        throw Error(ErrorKind::failure,
                    "the device index " + path.string() + " was written by a newer tectl",
                    "upgrade tectl, or " + hint_for(path));
    }
    // A first sync that failed leaves an empty database behind: still never synced.
    if (version == 0 && pragma_int(impl->db, path, "SELECT count(*) FROM sqlite_master") == 0) {
        return std::nullopt;
    }
    if (version < kSchemaVersion) {
        throw Error(ErrorKind::failure,
                    path.string() + " is not a tectl device index (or an old one)",
                    "run `tectl sync` to rebuild it");
    }
    impl->select = Statement(impl->db, path, kSelect);
    return DeviceIndex(std::move(impl));
}

std::optional<IndexedDevice> DeviceIndex::find(const std::string& uuid) const {
    sqlite3_stmt* s = impl_->select.stmt;
    bind_text(s, 1, uuid);
    int rc = sqlite3_step(s);
    std::optional<IndexedDevice> found;
    if (rc == SQLITE_ROW)
        found = read_device(s);
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        fail(impl_->db, impl_->path, "cannot look up a device");
    return found;
}

std::vector<std::optional<IndexedDevice>> DeviceIndex::find_many(
    const std::vector<std::string>& uuids) const {
    // One read transaction: one consistent snapshot, and no lock round trip per lookup.
    exec(impl_->db, impl_->path, "BEGIN");
    std::vector<std::optional<IndexedDevice>> out;
    out.reserve(uuids.size());
    try {
        for (const auto& uuid : uuids)
            out.push_back(find(uuid));
    } catch (...) {
        sqlite3_exec(impl_->db, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
    exec(impl_->db, impl_->path, "COMMIT");
    return out;
}

IndexMeta DeviceIndex::meta() const {
    IndexMeta meta;
    Statement s(impl_->db, impl_->path, "SELECT key, value FROM meta");
    int rc;
    while ((rc = sqlite3_step(s.stmt)) == SQLITE_ROW) {
        std::string key = column_text(s.stmt, 0);
        std::string value = column_text(s.stmt, 1);
        if (key == "last_sync") {
            meta.last_sync = value;
        } else if (key == "device_count") {
            meta.device_count = std::strtoll(value.c_str(), nullptr, 10);
        } else if (key == "spaces") {
            auto spaces = nlohmann::json::parse(value, nullptr, false);
            if (!spaces.is_array())
                continue;
            for (const auto& j : spaces) {
                if (!j.is_object())
                    continue;
                meta.spaces.push_back(
                    {j.value("id", std::int64_t{0}), j.value("name", std::string()),
                     j.value("devices", std::int64_t{0}), j.value("reported", std::int64_t{0})});
            }
        }
    }
    if (rc != SQLITE_DONE)
        fail(impl_->db, impl_->path, "cannot read its summary");
    return meta;
}

}  // namespace tectl
