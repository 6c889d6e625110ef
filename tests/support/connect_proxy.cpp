#include "support/connect_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string_view>

namespace tectl::test {
namespace {

constexpr int kPollMs = 50;

void send_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n <= 0)
            return;
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

int connect_loopback(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0)
        return fd;
    if (fd >= 0)
        ::close(fd);
    return -1;
}

// The value of header `name` (case-insensitive) in a request head, or "".
std::string header_value(std::string_view head, std::string_view name) {
    std::size_t start = head.find("\r\n");
    while (start != std::string_view::npos && start + 2 < head.size()) {
        start += 2;
        std::size_t end = head.find("\r\n", start);
        std::string_view line = head.substr(start, end - start);
        std::size_t colon = line.find(':');
        if (colon == name.size() &&
            std::equal(name.begin(), name.end(), line.begin(), [](char a, char b) {
                return std::tolower(static_cast<unsigned char>(a)) ==
                       std::tolower(static_cast<unsigned char>(b));
            })) {
            std::string_view value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ')
                value.remove_prefix(1);
            return std::string(value);
        }
        start = end;
    }
    return {};
}

}  // namespace

ConnectProxy::ConnectProxy(std::optional<std::string> required_authorization,
                           std::chrono::seconds lifetime)
    : required_(std::move(required_authorization)),
      deadline_(std::chrono::steady_clock::now() + lifetime) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        ::listen(listener_, 16) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0)
        throw std::runtime_error(std::string("test proxy: cannot listen: ") + std::strerror(errno));
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
}

ConnectProxy::~ConnectProxy() {
    stop_ = true;
    acceptor_.join();
    for (auto& connection : connections_)
        connection.join();
    ::close(listener_);
}

std::vector<std::string> ConnectProxy::targets() const {
    std::lock_guard lock(mutex_);
    return targets_;
}

bool ConnectProxy::stopping() const {
    return stop_ || std::chrono::steady_clock::now() > deadline_;
}

void ConnectProxy::accept_loop() {
    while (!stopping()) {
        pollfd waiting{listener_, POLLIN, 0};
        if (::poll(&waiting, 1, kPollMs) <= 0)
            continue;
        int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0)
            continue;
        std::lock_guard lock(mutex_);
        connections_.emplace_back([this, client] {
            serve(client);
            ::close(client);
        });
    }
}

void ConnectProxy::serve(int client) {
    // The request head, up to the empty line.
    std::string head;
    char buffer[16384];
    while (head.find("\r\n\r\n") == std::string::npos && head.size() < 16384) {
        pollfd readable{client, POLLIN, 0};
        if (stopping())
            return;
        if (::poll(&readable, 1, kPollMs) <= 0)
            continue;
        ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
        if (n <= 0)
            return;
        head.append(buffer, static_cast<std::size_t>(n));
    }
    // "CONNECT host:port HTTP/1.1"
    std::string_view line(head.data(), head.find("\r\n"));
    if (!line.starts_with("CONNECT ")) {
        send_all(client, "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n");
        return;
    }
    std::string target(line.substr(8, line.find(' ', 8) - 8));
    {
        std::lock_guard lock(mutex_);
        targets_.push_back(target);
    }
    if (required_ && header_value(head, "Proxy-Authorization") != *required_) {
        ++refused_;
        send_all(client,
                 "HTTP/1.1 407 Proxy Authentication Required\r\n"
                 "Proxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n");
        return;
    }
    std::size_t colon = target.rfind(':');
    bool loopback = target.starts_with("127.0.0.1:") || target.starts_with("localhost:");
    int upstream = loopback ? connect_loopback(std::atoi(target.c_str() + colon + 1)) : -1;
    if (upstream < 0) {
        send_all(client, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
        return;
    }
    send_all(client, "HTTP/1.1 200 Connection established\r\n\r\n");

    // Relay until either side closes, or the proxy stops.
    pollfd ends[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
    while (!stopping()) {
        if (::poll(ends, 2, kPollMs) <= 0)
            continue;
        bool closed = false;
        for (int i = 0; i < 2 && !closed; ++i) {
            if (!(ends[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = ::recv(ends[i].fd, buffer, sizeof buffer, 0);
            if (n <= 0)
                closed = true;
            else
                send_all(ends[1 - i].fd, std::string_view(buffer, static_cast<std::size_t>(n)));
        }
        if (closed)
            break;
    }
    ::close(upstream);
}

}  // namespace tectl::test
