// An HTTP CONNECT proxy on 127.0.0.1 for tests of tectl behind a corporate proxy: it answers
// CONNECT with 200 and relays bytes both ways, or with 407 when the request lacks the
// Proxy-Authorization it wants. It records what it was asked, tunnels only to loopback, and
// stops when destroyed or after `lifetime`, whichever comes first.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace tectl::test {

class ConnectProxy {
  public:
    // `required_authorization`: the Proxy-Authorization value ("Basic ...") without which the
    // proxy answers 407; nullopt: no authentication.
    explicit ConnectProxy(std::optional<std::string> required_authorization = std::nullopt,
                          std::chrono::seconds lifetime = std::chrono::seconds(60));
    ~ConnectProxy();
    ConnectProxy(const ConnectProxy&) = delete;
    ConnectProxy& operator=(const ConnectProxy&) = delete;

    int port() const { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

    // The CONNECT targets asked for ("127.0.0.1:4443"), in order, tunnelled or refused.
    std::vector<std::string> targets() const;
    // How many CONNECT requests were answered with 407.
    int refused() const { return refused_; }

  private:
    void accept_loop();
    void serve(int client);
    bool stopping() const;

    std::optional<std::string> required_;
    std::chrono::steady_clock::time_point deadline_;
    int listener_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<int> refused_{0};
    mutable std::mutex mutex_;
    std::vector<std::string> targets_;
    std::vector<std::thread> connections_;
    std::thread acceptor_;
};

}  // namespace tectl::test
