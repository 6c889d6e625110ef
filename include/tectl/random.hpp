// Identifiers and keys minted by tectl, from an injectable source of random bytes.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>

namespace tectl {

// Fills the span with random bytes. The default reads the kernel's CSPRNG (getrandom).
using RandomBytes = std::function<void(std::span<unsigned char>)>;

RandomBytes system_random();

// `length` characters drawn uniformly from A-Z and 0-9 (rejection sampling, no modulo bias).
std::string random_upper_alnum(std::size_t length, const RandomBytes& random = system_random());

// "DI" + 18 upper-case letters and digits.
std::string mint_integration_id(const RandomBytes& random = system_random());

// "DPK" + 16 upper-case letters and digits, the shape of Duo's Trusted Endpoints
// configuration key.
std::string mint_config_key(const RandomBytes& random = system_random());

}  // namespace tectl
