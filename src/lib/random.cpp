#include "tectl/random.hpp"

#include "tectl/error.hpp"

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace tectl {

RandomBytes system_random() {
    return [](std::span<unsigned char> out) {
        std::size_t done = 0;
        while (done < out.size()) {
            ssize_t n = getrandom(out.data() + done, out.size() - done, 0);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                throw Error(ErrorKind::failure,
                            std::string("cannot read random bytes: ") + std::strerror(errno));
            }
            done += static_cast<std::size_t>(n);
        }
    };
}

std::string random_upper_alnum(std::size_t length, const RandomBytes& random) {
    static constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    // 252 is the largest multiple of 36 below 256: bytes above it are drawn again.
    static constexpr unsigned limit = 252;
    std::string out;
    out.reserve(length);
    std::array<unsigned char, 64> buffer{};
    while (out.size() < length) {
        random(buffer);
        for (unsigned char b : buffer) {
            if (b >= limit)
                continue;
            out.push_back(alphabet[b % alphabet.size()]);
            if (out.size() == length)
                break;
        }
    }
    return out;
}

std::string mint_integration_id(const RandomBytes& random) {
    return "DI" + random_upper_alnum(18, random);
}

std::string mint_config_key(const RandomBytes& random) {
    return "DPK" + random_upper_alnum(16, random);
}

}  // namespace tectl
