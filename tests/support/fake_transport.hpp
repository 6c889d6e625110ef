// A scripted http::Transport for unit tests: it answers from a handler and records every
// request, which the test keeps a handle on after the client takes ownership of the transport.
#pragma once

#include "tectl/http.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tectl::test {

struct TransportLog {
    std::vector<http::Request> requests;

    // The path and query of request `i` (the URL without scheme and host).
    std::string target(std::size_t i) const {
        const std::string& url = requests.at(i).url;
        auto start = url.find('/', url.find("://") + 3);
        return start == std::string::npos ? "/" : url.substr(start);
    }

    std::string header(std::size_t i, const std::string& name) const {
        for (const auto& [n, v] : requests.at(i).headers)
            if (n == name)
                return v;
        return {};
    }
};

class FakeTransport : public http::Transport {
  public:
    using Handler = std::function<http::Response(const http::Request&, std::size_t index)>;

    FakeTransport(std::shared_ptr<TransportLog> log, Handler handler)
        : log_(std::move(log)), handler_(std::move(handler)) {}

    http::Response perform(const http::Request& request) override {
        log_->requests.push_back(request);
        return handler_(request, log_->requests.size() - 1);
    }

  private:
    std::shared_ptr<TransportLog> log_;
    Handler handler_;
};

inline http::Response response(long status, std::string body,
                               std::map<std::string, std::string> headers = {}) {
    http::Response r;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    return r;
}

// Answers the i-th request with script[i], and every later one with the last entry.
inline FakeTransport::Handler scripted(std::vector<http::Response> script) {
    return [script = std::move(script)](const http::Request&, std::size_t index) {
        return script.at(std::min(index, script.size() - 1));
    };
}

}  // namespace tectl::test
