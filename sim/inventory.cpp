#include "inventory.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>

namespace epmm_sim {

const std::vector<std::string>& known_fields() {
    static const std::vector<std::string> fields{
        "common.uuid",          "common.id",          "common.status",
        "common.platform",      "common.model",       "common.last_connected_at",
        "common.compliant",     "common.quarantined", "common.imei",
        "common.serial_number", "user.user_id",       "user.email_address",
        "android.afw_capable",  "ios.iPhone UDID"};
    return fields;
}

bool is_known_field(std::string_view name) {
    const auto& fields = known_fields();
    return std::find(fields.begin(), fields.end(), name) != fields.end();
}

bool is_personal_field(std::string_view name) {
    return name == "user.user_id" || name == "user.email_address" || name == "common.imei" ||
           name == "common.serial_number";
}

namespace {

std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

std::string hex(std::uint64_t value, int digits, bool upper) {
    static const char* lower_digits = "0123456789abcdef";
    static const char* upper_digits = "0123456789ABCDEF";
    std::string out(static_cast<std::size_t>(digits), '0');
    for (int i = digits - 1; i >= 0; --i) {
        out[static_cast<std::size_t>(i)] = (upper ? upper_digits : lower_digits)[value & 0xf];
        value >>= 4;
    }
    return out;
}

std::string iso8601_ms(std::int64_t ms) {
    std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(ms % 1000));
    return buf;
}

// 14 random digits and a Luhn check digit, as real IMEIs have.
std::string imei(std::uint64_t r) {
    std::string digits;
    for (int i = 0; i < 14; ++i) {
        digits.push_back(static_cast<char>('0' + r % 10));
        r /= 10;
    }
    int sum = 0;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        int d = digits[i] - '0';
        if (i % 2 == 1) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    digits.push_back(static_cast<char>('0' + (10 - sum % 10) % 10));
    return digits;
}

std::string serial(std::uint64_t r, std::size_t length) {
    static const char* alphabet = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    std::string out;
    for (std::size_t i = 0; i < length; ++i) {
        out.push_back(alphabet[r % 34]);
        r /= 34;
    }
    return out;
}

constexpr std::array<const char*, 6> kAndroidModels{"Pixel 8",  "Pixel 7a",    "SM-S918B",
                                                    "SM-A546B", "moto g54 5G", "TC52"};
constexpr std::array<const char*, 6> kIosModels{"iPhone 15", "iPhone 14 Pro", "iPhone 13",
                                                "iPhone SE", "iPad Air",      "iPad Pro"};

}  // namespace

Inventory::Inventory(InventoryConfig config) : config_(std::move(config)) {
    for (const auto& block : config_.generated)
        generated_count_ += block.count;
}

std::uint64_t Inventory::random(std::size_t index, std::uint64_t salt) const {
    return splitmix64(splitmix64(config_.seed ^ (salt * 0x100000001b3ULL)) + index);
}

int Inventory::space_of(std::size_t index) const {
    if (index >= generated_count_) {
        return config_.extra[index - generated_count_].value("space", 1);
    }
    std::uint64_t first = 0;
    for (const auto& block : config_.generated) {
        if (index < first + block.count)
            return block.space_id;
        first += block.count;
    }
    return 1;
}

bool Inventory::visible_in(std::size_t index, int space_id) const {
    if (space_id == 1 && config_.global_space_sees_all)
        return true;
    return space_of(index) == space_id;
}

nlohmann::json Inventory::field(std::size_t index, std::string_view name) const {
    if (index >= generated_count_) {
        const auto& extra = config_.extra[index - generated_count_];
        auto it = extra.find(name);
        if (it != extra.end())
            return *it;
    }
    return generated_field(index, name);
}

nlohmann::json Inventory::generated_field(std::size_t index, std::string_view name) const {
    if (name == "common.id")
        return static_cast<std::uint64_t>(index) + 1;
    if (name == "common.uuid") {
        std::uint64_t high = random(index, 1);
        std::uint64_t low = random(index, 2);
        high = (high & ~0xf000ULL) | 0x4000ULL;                       // version 4
        low = (low & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122 variant
        return hex(high >> 32, 8, false) + "-" + hex(high >> 16, 4, false) + "-" +
               hex(high, 4, false) + "-" + hex(low >> 48, 4, false) + "-" + hex(low, 12, false);
    }

    // Platform-specific fields follow the device's effective platform, which a configured device
    // may override.
    std::string platform = random(index, 3) % 2 ? "iOS" : "Android";
    if (index >= generated_count_) {
        const auto& extra = config_.extra[index - generated_count_];
        if (auto it = extra.find("common.platform"); it != extra.end() && it->is_string()) {
            platform = it->get<std::string>();
        }
    }
    const bool ios = platform == "iOS";
    if (name == "common.platform")
        return platform;
    if (name == "common.status") {
        auto r = random(index, 4) % 100;
        if (r < 85)
            return "ACTIVE";
        if (r < 93)
            return "RETIRED";
        if (r < 96)
            return "WIPED";
        if (r < 98)
            return "LOST";
        return "VERIFICATION_PENDING";
    }
    if (name == "common.model") {
        auto r = random(index, 5) % 6;
        return ios ? kIosModels[r] : kAndroidModels[r];
    }
    if (name == "common.last_connected_at") {
        constexpr std::uint64_t ninety_days_ms = 90ULL * 24 * 3600 * 1000;
        auto age = static_cast<std::int64_t>(random(index, 6) % ninety_days_ms);
        return iso8601_ms(config_.newest_connection_ms - age);
    }
    if (name == "common.compliant")
        return random(index, 7) % 10 != 0;
    if (name == "common.quarantined")
        return random(index, 8) % 50 == 0;
    if (name == "common.imei")
        return imei(random(index, 9));
    if (name == "common.serial_number")
        return serial(random(index, 10), ios ? 12 : 11);
    if (name == "user.user_id" || name == "user.email_address") {
        // Several devices per user, as in a real fleet.
        char user[32];
        std::snprintf(
            user, sizeof user, "user%06llu",
            static_cast<unsigned long long>(random(index, 11) % (generated_count_ / 2 + 1)));
        return name == "user.user_id" ? std::string(user) : std::string(user) + "@example.com";
    }
    if (name == "android.afw_capable") {
        if (ios)
            return nullptr;
        return random(index, 12) % 4 != 0;
    }
    if (name == "ios.iPhone UDID") {
        if (!ios)
            return nullptr;
        return "0000" + hex(random(index, 13), 4, true) + "-" + hex(random(index, 14), 16, true);
    }
    return nullptr;
}

}  // namespace epmm_sim
