#include "tectl/log.hpp"

#include <algorithm>
#include <mutex>
#include <vector>

namespace tectl::log {
namespace {

struct State {
    std::mutex mutex;
    Sink sink;
    bool debug = false;
    std::vector<std::string> secrets;
};

State& state() {
    static State s;
    return s;
}

// Masks the rest of the line after "Authorization:" (any case).
void mask_authorization(std::string& text) {
    static constexpr std::string_view header = "authorization:";
    std::size_t from = 0;
    while (true) {
        auto it = std::search(text.begin() + static_cast<std::ptrdiff_t>(from), text.end(),
                              header.begin(), header.end(), [](char a, char b) {
                                  return std::tolower(static_cast<unsigned char>(a)) == b;
                              });
        if (it == text.end())
            return;
        std::size_t start = static_cast<std::size_t>(it - text.begin()) + header.size();
        std::size_t end = text.find_first_of("\r\n", start);
        if (end == std::string::npos)
            end = text.size();
        text.replace(start, end - start, " [redacted]");
        from = start + 11;
    }
}

}  // namespace

void set_sink(Sink sink) {
    std::lock_guard lock(state().mutex);
    state().sink = std::move(sink);
}

void set_debug(bool enabled) {
    std::lock_guard lock(state().mutex);
    state().debug = enabled;
}

bool debug_enabled() {
    std::lock_guard lock(state().mutex);
    return state().debug;
}

void add_secret(std::string secret) {
    if (secret.empty())
        return;
    std::lock_guard lock(state().mutex);
    // Each client registers its password again; keep one copy so redaction stays cheap.
    auto& secrets = state().secrets;
    if (std::find(secrets.begin(), secrets.end(), secret) == secrets.end())
        secrets.push_back(std::move(secret));
}

static std::string redact_locked(std::string_view text, const std::vector<std::string>& secrets) {
    std::string out(text);
    for (const auto& secret : secrets) {
        for (auto pos = out.find(secret); pos != std::string::npos; pos = out.find(secret, pos)) {
            out.replace(pos, secret.size(), "[redacted]");
            pos += 10;
        }
    }
    mask_authorization(out);
    return out;
}

std::string redact(std::string_view text) {
    std::lock_guard lock(state().mutex);
    return redact_locked(text, state().secrets);
}

void write(Level level, std::string_view message) {
    std::lock_guard lock(state().mutex);
    if (!state().sink)
        return;
    if (level == Level::debug && !state().debug)
        return;
    state().sink(level, redact_locked(message, state().secrets));
}

}  // namespace tectl::log
