// What every harness shares: the input as text, and the rule that a parser of outside input may
// throw tectl::Error (with a message) but nothing else. Any other exception escapes the harness,
// which libFuzzer reports as a crash, as it does a failed check.
#pragma once

#include "tectl/error.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace tectl::fuzz {

inline std::string_view text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// Aborts with `what` when `condition` is false: the property the harness checks is broken.
inline void require(bool condition, const char* what) {
    if (!condition) {
        std::fprintf(stderr, "property broken: %s\n", what);
        std::abort();
    }
}

// Runs `parse`; a tectl::Error is an expected refusal, but it must say what is wrong.
template <typename Parse>
void expect_only_errors(Parse&& parse) {
    try {
        parse();
    } catch (const Error& e) {
        require(e.what()[0] != '\0', "an Error without a message");
    }
}

}  // namespace tectl::fuzz
