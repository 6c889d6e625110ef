#include "tectl/config_test.hpp"

#include "tectl/http.hpp"
#include "tectl/https_module.hpp"
#include "tectl/log.hpp"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <mutex>
#include <thread>

namespace tectl {

std::string utc_now() {
    std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm parts{};
    gmtime_r(&now, &parts);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
    return text;
}

int exit_code(const ConfigTestRun& run) {
    if (run.result.ok)
        return 0;
    return exit_code(run.failure.value_or(ErrorKind::failure));
}

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct Address {
    sockaddr_storage storage{};
    socklen_t length = 0;
    std::string text;
};

struct Resolution {
    bool done = false;
    int status = 0;
    std::vector<Address> addresses;
};

// getaddrinfo cannot be given a timeout, so it runs on its own thread; on timeout that thread
// is left to finish on its own, holding the shared state.
std::vector<Address> resolve(const std::string& host, int port, milliseconds timeout) {
    struct Shared {
        std::mutex mutex;
        std::condition_variable ready;
        Resolution result;
    };
    auto shared = std::make_shared<Shared>();
    std::thread([shared, host, port] {
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* list = nullptr;
        int status = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &list);
        std::vector<Address> addresses;
        for (addrinfo* entry = list; status == 0 && entry; entry = entry->ai_next) {
            Address address;
            std::memcpy(&address.storage, entry->ai_addr, entry->ai_addrlen);
            address.length = entry->ai_addrlen;
            char text[NI_MAXHOST] = {};
            getnameinfo(entry->ai_addr, entry->ai_addrlen, text, sizeof text, nullptr, 0,
                        NI_NUMERICHOST);
            address.text = text;
            addresses.push_back(address);
        }
        if (list)
            freeaddrinfo(list);
        std::lock_guard lock(shared->mutex);
        shared->result = {true, status, std::move(addresses)};
        shared->ready.notify_all();
    }).detach();

    std::unique_lock lock(shared->mutex);
    if (!shared->ready.wait_for(lock, timeout, [&] { return shared->result.done; }))
        throw http::TransportError(
            http::FailureReason::timeout,
            fmt::format("resolving {} timed out after {} ms", host, timeout.count()),
            "check this machine's DNS servers");
    const Resolution& result = shared->result;
    if (result.status == EAI_NONAME || result.status == EAI_NODATA)
        throw http::TransportError(http::FailureReason::dns,
                                   "the host name " + host + " does not resolve",
                                   "check the EPMM host name (the portal's name, such as "
                                   "epmm.example.com) and this machine's DNS");
    if (result.status != 0)
        throw http::TransportError(
            http::FailureReason::dns,
            fmt::format("resolving {} failed: {}", host, gai_strerror(result.status)),
            "check this machine's DNS servers and the host name");
    if (result.addresses.empty())
        throw http::TransportError(http::FailureReason::dns,
                                   "the host name " + host + " has no address");
    return result.addresses;
}

// A non-blocking connect bounded by `timeout`; "" on success, else what went wrong.
std::string try_connect(const Address& address, milliseconds timeout) {
    int fd = ::socket(address.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return std::strerror(errno);
    std::string error;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address.storage), address.length) != 0) {
        if (errno != EINPROGRESS) {
            error = std::strerror(errno);
        } else {
            pollfd watch{fd, POLLOUT, 0};
            int ready = ::poll(&watch, 1, static_cast<int>(timeout.count()));
            if (ready == 0) {
                error = fmt::format("no answer within {} ms", timeout.count());
            } else if (ready < 0) {
                error = std::strerror(errno);
            } else {
                int status = 0;
                socklen_t size = sizeof status;
                ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &status, &size);
                if (status != 0)
                    error = std::strerror(status);
            }
        }
    }
    ::close(fd);
    return error;
}

std::string join(const std::vector<std::string>& items, std::string_view separator = ", ") {
    std::string out;
    for (const auto& item : items)
        out += (out.empty() ? "" : std::string(separator)) + item;
    return out;
}

std::string space_text(const epmm::DeviceSpace& space) {
    return space.name.empty() ? std::to_string(space.id)
                              : fmt::format("\"{}\" ({})", space.name, space.id);
}

void record_failure(ConfigTestRun& run, const std::string& check, const Error& error) {
    run.result.checks.push_back({check, false, error.what()});
    run.failure = error.kind();
    run.hint = error.hint();
    log::debug("check " + check + " failed: " + error.what());
}

void record_success(ConfigTestRun& run, const std::string& check, std::string detail) {
    log::debug("check " + check + ": " + detail);
    run.result.checks.push_back({check, true, std::move(detail)});
}

// Runs one stage; a thrown Error becomes the stage's failure. Returns whether it passed.
template <typename Stage>
bool stage(ConfigTestRun& run, const std::string& check, Stage&& body) {
    try {
        record_success(run, check, body());
        return true;
    } catch (const Error& e) {
        record_failure(run, check, e);
    } catch (const std::exception& e) {
        record_failure(run, check, Error(ErrorKind::failure, e.what()));
    }
    return false;
}

}  // namespace

bool run_api_checks(epmm::Client& client, const std::vector<std::int64_t>& spaces,
                    ConfigTestRun& run) {
    const auto& endpoint = client.endpoint();

    bool ok = stage(run, "credentials", [&] {
        run.result.epmm_version = client.ping();
        return fmt::format("EPMM {} accepted the user {}", run.result.epmm_version, endpoint.user);
    });
    if (!ok)
        return false;

    std::vector<epmm::DeviceSpace> chosen;
    ok = stage(run, "spaces", [&] {
        auto mine = client.my_spaces();
        if (spaces.empty()) {
            if (mine.empty())
                throw Error(ErrorKind::auth,
                            "EPMM assigns " + endpoint.user + " to no device space",
                            "in the EPMM admin portal, Admin > Admins: select " + endpoint.user +
                                ", Actions > Assign to Space, and give it \"View device page, "
                                "device details\" in each space with devices");
            chosen = mine;
        } else {
            std::vector<std::string> missing;
            for (auto id : spaces) {
                auto it = std::find_if(mine.begin(), mine.end(),
                                       [&](const epmm::DeviceSpace& s) { return s.id == id; });
                if (it == mine.end())
                    missing.push_back(std::to_string(id));
                else
                    chosen.push_back(*it);
            }
            if (!missing.empty()) {
                std::vector<std::string> listed;
                for (const auto& s : mine)
                    listed.push_back(space_text(s));
                throw Error(ErrorKind::auth,
                            fmt::format("{} is not assigned to space {}: role or space missing "
                                        "(its spaces: {})",
                                        endpoint.user, join(missing),
                                        listed.empty() ? "none" : join(listed)),
                            "in the EPMM admin portal, Admin > Admins: select " + endpoint.user +
                                ", Actions > Assign to Space, choose space " + join(missing) +
                                ", and check \"View device page, device details\"; or test the "
                                "spaces the user has");
            }
        }
        std::vector<std::string> names;
        for (const auto& s : chosen)
            names.push_back(space_text(s));
        return fmt::format("{} {}: {}", chosen.size(), chosen.size() == 1 ? "space" : "spaces",
                           join(names));
    });
    if (!ok)
        return false;

    return stage(run, "device-read", [&] {
        std::vector<std::string> read;
        for (const auto& space : chosen) {
            epmm::DeviceQuery query;
            query.space = space.id;
            query.fields = {"common.uuid"};
            query.limit = 1;
            query.sort_field.clear();
            auto page = client.devices(query);
            read.push_back(fmt::format("{}: {} {}", space_text(space), page.total_count,
                                       page.total_count == 1 ? "device" : "devices"));
        }
        return "device details readable in " + join(read, "; ");
    });
}

ConfigTestRun run_config_test(const ConfigTestInput& input) {
    // A program installed without its HTTPS module is this machine's fault, not a failed check
    // of EPMM: it throws here, before any check, and nothing is recorded.
    http::https_module();

    ConfigTestRun run;
    run.result.time = utc_now();
    const auto& settings = input.settings;
    http::TransportOptions options;
    options.tls = {settings.cacert, settings.insecure};
    options.timeouts = http::timeouts_for(input.timeout);

    // Through a proxy, this machine resolves and connects to the proxy, not to EPMM.
    auto proxy = http::proxy_for(settings.host);
    std::string target_host = proxy ? proxy->host : settings.host;
    int target_port = proxy ? proxy->port : settings.port;
    std::string via = proxy ? " (the proxy from " + proxy->variable + ")" : "";

    std::vector<Address> addresses;
    bool ok = stage(run, "dns", [&] {
        try {
            addresses = resolve(target_host, target_port, options.timeouts.connect);
        } catch (const http::TransportError& e) {
            if (!proxy)
                throw;
            throw http::TransportError(e.reason(), e.what() + via,
                                       "check the proxy in " + proxy->variable + ", or add " +
                                           settings.host + " to no_proxy");
        }
        std::vector<std::string> texts;
        for (const auto& a : addresses)
            texts.push_back(a.text);
        return fmt::format("{}{} resolves to {}", target_host, via, join(texts));
    });

    if (ok)
        ok = stage(run, "connect", [&] {
            std::vector<std::string> failures;
            bool timed_out = false;
            for (std::size_t i = 0; i < addresses.size() && i < 4; ++i) {
                auto start = Clock::now();
                std::string error = try_connect(addresses[i], options.timeouts.connect);
                auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
                if (error.empty())
                    return fmt::format("connected to {} port {}{} in {} ms", addresses[i].text,
                                       target_port, via, took.count());
                timed_out = timed_out || error.starts_with("no answer");
                failures.push_back(addresses[i].text + ": " + error);
            }
            throw http::TransportError(
                timed_out ? http::FailureReason::timeout : http::FailureReason::connect,
                fmt::format("cannot connect to {} port {}{}: {}", target_host, target_port, via,
                            join(failures, "; ")),
                proxy ? "check that the proxy in " + proxy->variable + " is up, or add " +
                            settings.host + " to no_proxy"
                      : "check that EPMM listens on that port and that no firewall blocks this "
                        "machine");
        });

    if (ok)
        ok = stage(run, "tls", [&] {
            auto report = http::check_tls(settings.host, settings.port, options);
            std::string certificate =
                fmt::format("{}certificate {} issued by {}, valid until {}",
                            report.protocol.empty() ? "" : report.protocol + ", ", report.subject,
                            report.issuer, report.not_after);
            if (!report.verified)
                return certificate + ": NOT verified (insecure)";
            return certificate + ": trusted through " + report.ca_source;
        });

    if (ok) {
        try {
            epmm::Endpoint endpoint{settings.host, settings.port, settings.user, input.password,
                                    input.api_prefix};
            epmm::Client client(http::make_curl_transport(options), endpoint);
            ok = run_api_checks(client, settings.spaces, run);
        } catch (const Error& e) {
            record_failure(run, "credentials", e);  // the client refused the user name
            ok = false;
        }
    }
    run.result.ok = ok && run.result.checks.size() == 6;
    return run;
}

}  // namespace tectl
