// The EPMM host as admins type it, and the other normalisers of typed values. A host that
// normalises once must normalise again to itself, with a port in range.
#include "harness.hpp"

#include "tectl/normalize.hpp"

#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tectl;
    auto input = fuzz::text(data, size);

    fuzz::expect_only_errors([&] {
        NormalizedHost first = normalize_host(input);
        fuzz::require(!first.host.empty(), "an empty normalised host");
        if (first.port)
            fuzz::require(*first.port > 0 && *first.port < 65536 && *first.port != 443,
                          "a port out of range, or 443 kept");
        NormalizedHost again = normalize_host(first.host);
        fuzz::require(again.host == first.host, "normalising a normalised host changed it");
        fuzz::require(!again.port, "a normalised host gained a port");
    });

    fuzz::expect_only_errors([&] {
        std::vector<std::string> changes;
        std::string user = normalize_user(input, changes);
        fuzz::require(!user.empty() && user.find(':') == std::string::npos,
                      "an empty user or one with ':'");
    });
    fuzz::expect_only_errors([&] {
        std::string key = normalize_config_key(input);
        fuzz::require(is_config_key(key), "normalize_config_key returned a non-key");
    });
    fuzz::expect_only_errors([&] {
        std::string name = normalize_name(input);
        fuzz::require(normalize_name(name) == name, "normalising a name twice changed it");
    });
    return 0;
}
