#include "progress.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

namespace tectl::cli {

SyncProgressBar::SyncProgressBar(const Context& ctx)
    : enabled_(ctx.stderr_is_terminal() && !ctx.global.quiet) {}

SyncProgressBar::~SyncProgressBar() {
    if (drawn_) {
        std::fputs("\r\033[K", stderr);
        std::fflush(stderr);
    }
}

std::function<void(const SyncProgress&)> SyncProgressBar::callback() {
    if (!enabled_)
        return {};
    return [this](const SyncProgress& p) { draw(p); };
}

void SyncProgressBar::draw(const SyncProgress& p) {
    // Ten redraws a second are plenty, and keep a fast sync from spending its time on stderr.
    auto now = std::chrono::steady_clock::now();
    bool last_page = p.expected > 0 && p.devices >= p.expected;
    if (drawn_ && !last_page && now - last_ < std::chrono::milliseconds(100))
        return;
    last_ = now;

    constexpr int kWidth = 30;
    double share = p.expected > 0 ? std::min(1.0, double(p.devices) / double(p.expected)) : 0.0;
    int filled = static_cast<int>(share * kWidth);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.append(static_cast<std::size_t>(kWidth - filled), '-');
    std::string line =
        fmt::format("\r\033[K[{}] {}/{} devices, space {}/{} ({}), {} requests", bar, p.devices,
                    p.expected, p.space_number, p.space_total, space_label(p.space), p.requests);
    std::fputs(line.c_str(), stderr);
    std::fflush(stderr);
    drawn_ = true;
}

}  // namespace tectl::cli
