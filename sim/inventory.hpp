// The simulated device inventory. Generated devices are computed from (seed, index) on demand, so
// a million of them cost nothing until asked for; devices listed in the configuration are kept
// as given and take precedence over generated values field by field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace epmm_sim {

// Field names the simulator knows, in the order search_fields lists them.
const std::vector<std::string>& known_fields();
bool is_known_field(std::string_view name);

// Fields a GDPR profile masks.
bool is_personal_field(std::string_view name);

struct GeneratedBlock {
    int space_id = 1;
    std::uint64_t count = 0;
};

struct InventoryConfig {
    std::uint64_t seed = 1;
    std::vector<GeneratedBlock> generated;
    std::vector<nlohmann::json> extra;  // objects: "space" plus field overrides
    bool global_space_sees_all = false;
    std::int64_t newest_connection_ms = 1764547200000;  // 2025-12-01T00:00:00Z
};

class Inventory {
  public:
    explicit Inventory(InventoryConfig config);

    std::size_t size() const { return generated_count_ + config_.extra.size(); }
    int space_of(std::size_t index) const;
    bool visible_in(std::size_t index, int space_id) const;

    // The value of a known field; null where it does not apply (e.g. the UDID of an Android).
    nlohmann::json field(std::size_t index, std::string_view name) const;

  private:
    nlohmann::json generated_field(std::size_t index, std::string_view name) const;
    std::uint64_t random(std::size_t index, std::uint64_t salt) const;

    InventoryConfig config_;
    std::uint64_t generated_count_ = 0;
};

}  // namespace epmm_sim
