// The local device index of one integration: the devices EPMM returned at the last sync, keyed
// on Device UUID, so that `search --cached` answers without the network.
//
// Stored in SQLite at a path the caller chooses (the state directory's index/<ID>.sqlite). A sync
// writes through a DeviceIndexWriter, all in one transaction into a fresh table swapped in at
// commit: a sync that fails or is interrupted leaves the previous index whole. The database is in
// WAL mode so that searches read the previous index while a sync runs. The read path opens the
// file read-only and does no schema work, so that one lookup in a million devices stays cheap.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tectl {

// One device as tectl keeps it; built from one object of EPMM's /api/v2/devices results.
struct IndexedDevice {
    std::string uuid;           // common.uuid, lower case
    std::int64_t space_id = 0;  // the device space it was found in
    std::string space_name;
    std::string platform;                    // common.platform, e.g. "Android", "iOS"
    std::string status;                      // common.status, e.g. "ACTIVE", "RETIRED"
    std::string model;                       // common.model
    std::string user_id;                     // user.user_id; masked (*****) under a GDPR profile
    std::string last_check_in;               // common.last_connected_at, ISO-8601 UTC
    std::optional<bool> android_enterprise;  // android.afw_capable, Android only
    std::optional<std::int64_t> epmm_id;     // common.id

    bool operator==(const IndexedDevice&) const = default;
};

// True when EPMM masked the user id (a GDPR profile on the API user): only asterisks.
bool user_id_masked(const std::string& user_id);

// Builds a device from one EPMM result object; nullopt when it carries no usable common.uuid.
std::optional<IndexedDevice> device_from_epmm(const nlohmann::json& result, std::int64_t space_id,
                                              const std::string& space_name);

// The device as tectl shows it in --json output (no raw JSON; user_id_masked when masked).
nlohmann::json device_json(const IndexedDevice& device);

struct IndexedSpace {
    std::int64_t id = 0;
    std::string name;
    std::int64_t devices = 0;   // devices first found in this space
    std::int64_t reported = 0;  // EPMM's totalCount for the space (overlapping spaces included)

    bool operator==(const IndexedSpace&) const = default;
};

struct IndexMeta {
    std::string last_sync;  // ISO-8601 UTC of the sync that wrote the index
    std::int64_t device_count = 0;
    std::vector<IndexedSpace> spaces;
};

// Writes a whole new index. Nothing is visible to readers until commit(); destroying an
// uncommitted writer (an error, a cancelled sync) rolls back and keeps the previous index.
class DeviceIndexWriter {
  public:
    // Creates the file and its directory when missing. Throws Error(failure) when the file cannot
    // be opened or is not a tectl index, Error(conflict) when another sync holds it.
    explicit DeviceIndexWriter(const std::filesystem::path& path);
    ~DeviceIndexWriter();
    DeviceIndexWriter(const DeviceIndexWriter&) = delete;
    DeviceIndexWriter& operator=(const DeviceIndexWriter&) = delete;

    // Adds one device; returns false (and keeps the first) when its UUID is already in this sync,
    // as happens when spaces overlap or the inventory shifts between pages.
    bool add(const IndexedDevice& device);

    // Devices added so far (without duplicates).
    std::int64_t count() const;

    // Replaces the previous index with this one, atomically. `meta.device_count` is filled in.
    void commit(IndexMeta meta);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Reads an index. Cheap to open; safe to use while a sync writes.
class DeviceIndex {
  public:
    // Opens an existing index read-only; nullopt when there is none at `path` (never synced).
    // Throws Error(failure) when the file exists but is not a readable tectl index.
    static std::optional<DeviceIndex> open(const std::filesystem::path& path);

    DeviceIndex(DeviceIndex&&) noexcept;
    DeviceIndex& operator=(DeviceIndex&&) noexcept;
    ~DeviceIndex();

    // Looks up one Device UUID (canonical lower-case form).
    std::optional<IndexedDevice> find(const std::string& uuid) const;

    // Looks up many; the answer has one entry per input, in order.
    std::vector<std::optional<IndexedDevice>> find_many(
        const std::vector<std::string>& uuids) const;

    IndexMeta meta() const;

  private:
    struct Impl;
    explicit DeviceIndex(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace tectl
