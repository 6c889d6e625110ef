#include "support/simulator.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <httplib.h>

#ifndef TECTL_SIM_BINARY
#error "tests/support/simulator.cpp needs the epmm-sim target (TECTL_SIM_BINARY)"
#endif

extern char** environ;

namespace tectl::test {

std::filesystem::path test_pki_dir() {
    static const std::filesystem::path dir = std::filesystem::path(TECTL_BUILD_DIR) / "test-pki";
    static std::once_flag made;
    std::call_once(made, [] {
        const std::string script = std::string(TECTL_SOURCE_DIR) + "/sim/make-test-ca.sh";
        RunResult result = run({"/bin/sh", script, dir.string()});
        if (result.exit_code != 0) {
            throw std::runtime_error("make-test-ca.sh failed: " + result.err);
        }
    });
    return dir;
}

SimConfig::SimConfig() {
    config_ = {{"spaces", {{{"id", 1}, {"name", "Global"}}}},
               {"users",
                {{{"user", kSimUser},
                  {"password", kSimPassword},
                  {"spaces", {{{"id", 1}, {"device_read", true}}}}}}},
               {"devices", {{"seed", 1}, {"generate", {{{"space", 1}, {"count", 20}}}}}}};
}

SimConfig& SimConfig::space(int id, const std::string& name) {
    if (default_spaces_)
        config_["spaces"] = nlohmann::json::array();
    default_spaces_ = false;
    config_["spaces"].push_back({{"id", id}, {"name", name}});
    return *this;
}

SimConfig& SimConfig::user(const std::string& name, const std::string& password,
                           const std::vector<Grant>& grants, bool gdpr) {
    if (default_users_)
        config_["users"] = nlohmann::json::array();
    default_users_ = false;
    nlohmann::json spaces = nlohmann::json::array();
    for (const auto& grant : grants) {
        spaces.push_back({{"id", grant.space_id}, {"device_read", grant.device_read}});
    }
    config_["users"].push_back(
        {{"user", name}, {"password", password}, {"spaces", spaces}, {"gdpr", gdpr}});
    return *this;
}

SimConfig& SimConfig::seed(std::uint64_t seed) {
    config_["devices"]["seed"] = seed;
    return *this;
}

SimConfig& SimConfig::devices(int space_id, std::uint64_t count) {
    if (default_devices_)
        config_["devices"]["generate"] = nlohmann::json::array();
    default_devices_ = false;
    config_["devices"]["generate"].push_back({{"space", space_id}, {"count", count}});
    return *this;
}

SimConfig& SimConfig::global_space_sees_all(bool on) {
    config_["devices"]["global_space_sees_all"] = on;
    return *this;
}

SimConfig& SimConfig::device(const nlohmann::json& device) {
    config_["devices"]["extra"].push_back(device);
    return *this;
}

SimConfig& SimConfig::fault(const nlohmann::json& fault) {
    config_["faults"].push_back(fault);
    return *this;
}

SimConfig& SimConfig::set(const std::string& key, const nlohmann::json& value) {
    config_[key] = value;
    return *this;
}

std::string SimReply::header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
}

namespace {

// The key that belongs to a certificate file of the test PKI.
std::filesystem::path key_for(const std::filesystem::path& pki, const std::string& certificate) {
    auto stem = std::filesystem::path(certificate).stem().string();
    auto own = pki / (stem + "-key.pem");
    return std::filesystem::exists(own) ? own : pki / "key.pem";
}

// Reads the "listening on HOST:PORT" line, bounded by `timeout`; 0 if none came.
int read_port(int fd, std::chrono::milliseconds timeout) {
    std::string line;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (line.find('\n') == std::string::npos) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return 0;
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(left.count())) <= 0)
            continue;
        char buf[256];
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0)
            return 0;
        line.append(buf, static_cast<std::size_t>(n));
    }
    auto colon = line.rfind(':');
    if (line.rfind("listening on ", 0) != 0 || colon == std::string::npos)
        return 0;
    return std::atoi(line.c_str() + colon + 1);
}

}  // namespace

Simulator::Simulator(const SimConfig& config, const SimOptions& options)
    : prefix_(options.prefix), ipv6_(options.ipv6) {
    // A server that drops a connection must fail the request, not kill the test with SIGPIPE.
    signal(SIGPIPE, SIG_IGN);
    const auto pki = test_pki_dir();
    write_file(dir_ / "config.json", config.json().dump(2));

    std::vector<std::string> argv{TECTL_SIM_BINARY,
                                  "--cert",
                                  (pki / options.certificate).string(),
                                  "--key",
                                  key_for(pki, options.certificate).string(),
                                  "--config",
                                  (dir_ / "config.json").string(),
                                  "--log",
                                  log_file().string(),
                                  "--lifetime",
                                  std::to_string(options.lifetime_seconds),
                                  "--port",
                                  "0",
                                  "--exit-on-stdin-eof"};
    if (!options.prefix.empty()) {
        argv.push_back("--prefix");
        argv.push_back(options.prefix);
    }
    if (options.ipv6)
        argv.push_back("--ipv6");
    argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());

    // Close-on-exec everywhere, so programs the test starts later do not keep the simulator's
    // stdin open and it still sees end-of-file when this process dies.
    int in_pipe[2], out_pipe[2];
    if (pipe2(in_pipe, O_CLOEXEC) || pipe2(out_pipe, O_CLOEXEC)) {
        throw std::runtime_error("pipe failed");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    const std::string err_path = (dir_ / "stderr.txt").string();
    posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    std::vector<char*> args;
    for (auto& a : argv)
        args.push_back(a.data());
    args.push_back(nullptr);
    int rc = posix_spawn(&pid_, argv[0].c_str(), &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(in_pipe[0]);
    close(out_pipe[1]);
    stdin_fd_ = in_pipe[1];
    if (rc != 0) {
        close(out_pipe[0]);
        close(stdin_fd_);
        pid_ = -1;
        throw std::runtime_error(std::string("cannot start epmm-sim: ") + std::strerror(rc));
    }

    port_ = read_port(out_pipe[0], options.start_timeout);
    close(out_pipe[0]);
    if (port_ <= 0) {
        std::string err = stderr_text();
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        pid_ = -1;
        close(stdin_fd_);
        stdin_fd_ = -1;
        throw std::runtime_error("epmm-sim did not start: " + err);
    }
}

Simulator::~Simulator() {
    stop();
}

int Simulator::stop() {
    if (stdin_fd_ >= 0)
        close(stdin_fd_);
    stdin_fd_ = -1;
    if (pid_ <= 0)
        return -1;
    const pid_t pid = pid_;
    pid_ = -1;
    kill(pid, SIGTERM);
    int status = 0;
    bool exited = false;
    for (int i = 0; i < 100 && !exited; ++i) {
        exited = waitpid(pid, &status, WNOHANG) == pid;
        if (!exited)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!exited) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string Simulator::base_url() const {
    std::string host_part = ipv6_ ? "[::1]" : "127.0.0.1";
    return "https://" + host_part + ":" + std::to_string(port_) + prefix_;
}

std::string Simulator::stderr_text() const {
    return read_file(dir_ / "stderr.txt");
}

std::vector<nlohmann::json> Simulator::log_lines() const {
    std::vector<nlohmann::json> lines;
    std::istringstream in(read_file(log_file()));
    for (std::string line; std::getline(in, line);) {
        if (!line.empty())
            lines.push_back(nlohmann::json::parse(line));
    }
    return lines;
}

SimReply Simulator::get(const std::string& target, const std::optional<SimCredentials>& credentials,
                        std::chrono::milliseconds timeout) const {
    httplib::SSLClient client(host(), port_);
    client.set_ca_cert_path(ca_file().c_str());
    client.enable_server_certificate_verification(true);
    auto seconds = static_cast<time_t>(timeout.count() / 1000);
    auto micros = static_cast<time_t>((timeout.count() % 1000) * 1000);
    client.set_connection_timeout(seconds, micros);
    client.set_read_timeout(seconds, micros);
    client.set_write_timeout(seconds, micros);
    if (credentials)
        client.set_basic_auth(credentials->user.c_str(), credentials->password.c_str());

    SimReply reply;
    auto result = client.Get((prefix_ + target).c_str());
    if (!result) {
        reply.error = httplib::to_string(result.error());
        return reply;
    }
    reply.status = result->status;
    reply.body = result->body;
    for (const auto& [name, value] : result->headers)
        reply.headers.emplace(name, value);
    return reply;
}

SimReply Simulator::devices(const std::map<std::string, std::string>& params,
                            const std::optional<SimCredentials>& credentials) const {
    std::string target = "/api/v2/devices";
    char separator = '?';
    for (const auto& [name, value] : params) {
        target += separator + url_encode(name) + "=" + url_encode(value);
        separator = '&';
    }
    return get(target, credentials);
}

std::string url_encode(const std::string& text) {
    static const char* digits = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(digits[c >> 4]);
            out.push_back(digits[c & 0xf]);
        }
    }
    return out;
}

}  // namespace tectl::test
