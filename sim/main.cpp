// epmm-sim: a small HTTPS server that answers like Ivanti EPMM's v2 API, for tests, demos and
// rehearsing scripts. It listens on loopback only and stops by itself.
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

#include "config.hpp"
#include "server.hpp"

namespace {

struct Options {
    int port = 0;
    bool ipv6 = false;
    std::string cert;
    std::string key;
    std::string config;
    std::string log;
    std::optional<std::string> prefix;
    long lifetime_seconds = 600;
    bool exit_on_stdin_eof = false;
    std::vector<std::string> faults;
    long delay_ms = 0;
};

constexpr const char* kUsage = R"(usage: epmm-sim --cert FILE --key FILE [options]

Answers like Ivanti EPMM's REST API v2 over HTTPS on loopback (see sim/README.md).

  --cert FILE            server certificate, optionally followed by intermediates (PEM)
  --key FILE             its private key (PEM)
  --port N               port to listen on; 0 (default) picks a free one
  --ipv6                 listen on ::1 instead of 127.0.0.1
  --config FILE          users, spaces, devices and faults (JSON)
  --prefix PATH          serve under PATH/api/v2, e.g. /rest
  --log FILE             append one JSON line per request
  --fault SPEC           inject a fault, KIND[,key=value...]; repeatable
  --delay-ms N           delay every response by N milliseconds
  --lifetime SECONDS     stop after this long (default 600)
  --exit-on-stdin-eof    stop when standard input is closed
When ready, prints "listening on HOST:PORT" on standard output.
)";

[[noreturn]] void usage_error(const std::string& message) {
    std::cerr << "epmm-sim: " << message << "\n" << kUsage;
    std::exit(2);
}

long to_number(const std::string& option, const std::string& text) {
    try {
        std::size_t used = 0;
        long value = std::stol(text, &used);
        if (used == text.size() && value >= 0)
            return value;
    } catch (const std::exception&) {
    }
    usage_error(option + " needs a non-negative number, not '" + text + "'");
}

Options parse_arguments(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc)
                usage_error(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--help" || arg == "-h") {
            std::cout << kUsage;
            std::exit(0);
        } else if (arg == "--port") {
            options.port = static_cast<int>(to_number(arg, value()));
        } else if (arg == "--ipv6") {
            options.ipv6 = true;
        } else if (arg == "--cert") {
            options.cert = value();
        } else if (arg == "--key") {
            options.key = value();
        } else if (arg == "--config") {
            options.config = value();
        } else if (arg == "--prefix") {
            options.prefix = value();
        } else if (arg == "--log") {
            options.log = value();
        } else if (arg == "--fault") {
            options.faults.push_back(value());
        } else if (arg == "--delay-ms") {
            options.delay_ms = to_number(arg, value());
        } else if (arg == "--lifetime") {
            options.lifetime_seconds = to_number(arg, value());
        } else if (arg == "--exit-on-stdin-eof") {
            options.exit_on_stdin_eof = true;
        } else {
            usage_error("unknown option " + arg);
        }
    }
    if (options.cert.empty() || options.key.empty())
        usage_error("--cert and --key are required");
    if (options.port > 65535)
        usage_error("--port must be at most 65535");
    return options;
}

epmm_sim::Config load_config(const Options& options) {
    epmm_sim::Config config = epmm_sim::default_config();
    if (!options.config.empty()) {
        std::ifstream in(options.config);
        if (!in)
            throw epmm_sim::ConfigError("cannot read " + options.config);
        try {
            config = epmm_sim::parse_config(nlohmann::json::parse(in));
        } catch (const nlohmann::json::exception& e) {
            throw epmm_sim::ConfigError(options.config + ": " + e.what());
        }
    }
    if (options.prefix)
        config.prefix = *options.prefix;
    if (!config.prefix.empty() && (config.prefix.front() != '/' || config.prefix.back() == '/')) {
        throw epmm_sim::ConfigError("the prefix must start with '/' and not end with it");
    }
    for (const auto& spec : options.faults) {
        config.faults.push_back(epmm_sim::parse_fault_spec(spec));
    }
    if (options.delay_ms > 0) {
        epmm_sim::Fault delay;
        delay.kind = "delay";
        delay.ms = options.delay_ms;
        config.faults.push_back(delay);
    }
    return config;
}

// Waits for the lifetime to pass, SIGTERM/SIGINT (blocked in every thread), or end of stdin.
void wait_for_end(const Options& options, const sigset_t& signals) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(options.lifetime_seconds);
    bool watch_stdin = options.exit_on_stdin_eof;
    while (std::chrono::steady_clock::now() < deadline) {
        timespec tick{0, 100 * 1000 * 1000};
        if (sigtimedwait(&signals, nullptr, &tick) > 0)
            return;
        if (!watch_stdin)
            continue;
        pollfd in{0, POLLIN, 0};
        if (poll(&in, 1, 0) > 0) {
            char buf[256];
            if (read(0, buf, sizeof buf) <= 0)
                return;
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    const Options options = parse_arguments(argc, argv);

    // Before any thread starts, so that only wait_for_end receives them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    signal(SIGPIPE, SIG_IGN);

    std::unique_ptr<epmm_sim::EpmmServer> api;
    try {
        api = std::make_unique<epmm_sim::EpmmServer>(load_config(options), options.log);
    } catch (const std::exception& e) {
        std::cerr << "epmm-sim: " << e.what() << "\n";
        return 2;
    }

    httplib::SSLServer server(options.cert.c_str(), options.key.c_str());
    if (!server.is_valid()) {
        std::cerr << "epmm-sim: cannot load the certificate " << options.cert << " or the key "
                  << options.key << "\n";
        return 1;
    }
    // Enough workers that a few hanging requests do not starve the others.
    server.new_task_queue = [] { return new httplib::ThreadPool(32); };
    // Idle connections hold a worker until this passes, also at shutdown.
    server.set_keep_alive_timeout(2);
    // Without it a reply written in several pieces waits on the client's delayed ACK (Nagle),
    // about 40 ms a page on loopback: the simulator, not the client, would set the pace.
    server.set_tcp_nodelay(true);
    api->install(server);

    const std::string host = options.ipv6 ? "::1" : "127.0.0.1";
    int port = options.port;
    if (port == 0) {
        port = server.bind_to_any_port(host);
    } else if (!server.bind_to_port(host, port)) {
        port = -1;
    }
    if (port <= 0) {
        std::cerr << "epmm-sim: cannot listen on " << host << " port " << options.port << "\n";
        return 1;
    }
    std::printf("listening on %s:%d\n", options.ipv6 ? "[::1]" : "127.0.0.1", port);
    std::fflush(stdout);

    std::thread listener([&server] { server.listen_after_bind(); });
    wait_for_end(options, signals);
    api->stop();
    server.stop();
    listener.join();
    return 0;
}
