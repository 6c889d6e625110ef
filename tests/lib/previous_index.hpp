// A previous, complete device index of 3 devices, and the check that a failed or cancelled
// sync left it exactly so.
#pragma once

#include <catch2/catch.hpp>

#include "lib/fake_device_source.hpp"
#include "tectl/device_sync.hpp"

#include <filesystem>
#include <string>

namespace tectl::test {

inline void write_previous_index(const std::filesystem::path& index_path) {
    auto small = fake_source(3);
    SyncOptions options;
    options.index_path = index_path;
    options.now = [] { return std::string("2025-12-31T00:00:00Z"); };
    sync_devices(small, options);
}

inline void check_previous_index_intact(const std::filesystem::path& index_path) {
    auto index = DeviceIndex::open(index_path);
    REQUIRE(index);
    CHECK(index->meta().last_sync == "2025-12-31T00:00:00Z");
    CHECK(index->meta().device_count == 3);
    CHECK(index->find(fake_uuid(3)));
    CHECK_FALSE(index->find(fake_uuid(4)));
}

}  // namespace tectl::test
