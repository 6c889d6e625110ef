// The EPMM v2 API over cpp-httplib: authentication, device spaces, device search, the request
// log and fault injection.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <httplib.h>

#include "config.hpp"
#include "inventory.hpp"

namespace epmm_sim {

class EpmmServer {
  public:
    // `log_path` empty: no request log.
    EpmmServer(Config config, const std::string& log_path);

    // Registers the handlers on `server`.
    void install(httplib::Server& server);

    // Wakes requests that hang or trickle so the server can shut down.
    void stop();

  private:
    struct Reply {
        Reply(int status_code, std::string text, std::string type = "application/json")
            : status(status_code), body(std::move(text)), content_type(std::move(type)) {}
        int status;
        std::string body;
        std::string content_type;
    };

    void handle(const httplib::Request& request, httplib::Response& response);
    Reply route(const std::string& api_path, const httplib::Request& request, const User& user,
                bool ignore_offset, const Fault* invalid_utf8);
    Reply devices(const httplib::Request& request, const User& user, bool count_only,
                  bool ignore_offset, const Fault* invalid_utf8);
    std::optional<Reply> check_space(const httplib::Request& request, const User& user,
                                     int& space_id) const;

    const User* authenticate(const httplib::Request& request) const;
    bool field_equals(std::size_t device, const std::string& field, const std::string& value) const;

    // Takes one use of the first unexhausted fault of one of `kinds` that applies to `api_path`.
    const Fault* take_fault(const std::string& api_path, std::initializer_list<const char*> kinds);
    void apply_delays(const std::string& api_path);
    void fault_reply(const Fault& fault, const httplib::Request& request,
                     httplib::Response& response);
    bool wait_for_stop(std::int64_t ms);

    void log_request(const httplib::Request& request, int status, const char* fault);

    Config config_;
    Inventory inventory_;
    bool ids_in_index_order_ = true;

    std::mutex faults_mutex_;
    std::vector<std::int64_t> fault_uses_;

    std::mutex log_mutex_;
    std::ofstream log_;

    std::mutex stop_mutex_;
    std::condition_variable stop_cv_;
    std::atomic<bool> stopping_{false};
};

}  // namespace epmm_sim
