// The progress bar of a device sync, drawn on stderr only when stderr is a terminal.
#pragma once

#include "context.hpp"

#include "tectl/device_sync.hpp"

#include <chrono>
#include <functional>

namespace tectl::cli {

class SyncProgressBar {
  public:
    explicit SyncProgressBar(const Context& ctx);
    ~SyncProgressBar();  // clears the bar's line
    SyncProgressBar(const SyncProgressBar&) = delete;
    SyncProgressBar& operator=(const SyncProgressBar&) = delete;

    // The callback for SyncOptions::progress; empty when no bar is drawn.
    std::function<void(const SyncProgress&)> callback();

  private:
    void draw(const SyncProgress& progress);

    bool enabled_ = false;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point last_{};
};

}  // namespace tectl::cli
