// The parts of the HTTP interface that need no HTTP library: failure names, URL building, and
// where trust and the proxy come from. The libcurl transport itself is in src/https/.
#include "tectl/http.hpp"

#include "tectl/log.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>

namespace tectl::http {

std::string_view reason_name(FailureReason reason) {
    switch (reason) {
        case FailureReason::dns:
            return "dns";
        case FailureReason::connect:
            return "connect";
        case FailureReason::timeout:
            return "timeout";
        case FailureReason::tls_name_mismatch:
            return "tls_name_mismatch";
        case FailureReason::tls_unknown_root:
            return "tls_unknown_root";
        case FailureReason::tls_incomplete_chain:
            return "tls_incomplete_chain";
        case FailureReason::tls_expired:
            return "tls_expired";
        case FailureReason::tls_handshake:
            return "tls_handshake";
        case FailureReason::ca_file:
            return "ca_file";
        case FailureReason::proxy:
            return "proxy";
        case FailureReason::redirect:
            return "redirect";
        case FailureReason::too_large:
            return "too_large";
        case FailureReason::connection:
            return "connection";
        case FailureReason::other:
            return "other";
    }
    return "other";
}

TransportError::TransportError(FailureReason reason, std::string message, std::string hint)
    : Error(ErrorKind::network, std::move(message), std::move(hint)), reason_(reason) {}

std::string Response::header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
}

Timeouts timeouts_for(std::chrono::milliseconds total) {
    Timeouts t;
    t.total = total;
    t.connect = std::min(t.connect, total);
    return t;
}

// ---- where trust and the proxy come from ------------------------------------------------------

namespace {

std::string env(const char* name) {
    const char* value = std::getenv(name);
    return value ? std::string(value) : std::string();
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (auto& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
        text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
        text.remove_suffix(1);
    return std::string(text);
}

// no_proxy as libcurl reads it: "*", or a comma list of host names and domain suffixes.
bool no_proxy_covers(std::string_view host) {
    std::string list = env("no_proxy");
    if (list.empty())
        list = env("NO_PROXY");
    if (list.empty())
        return false;
    std::string h = lower(host);
    std::size_t start = 0;
    while (start <= list.size()) {
        std::size_t end = list.find(',', start);
        if (end == std::string::npos)
            end = list.size();
        std::string entry = lower(trim(std::string_view(list).substr(start, end - start)));
        start = end + 1;
        if (entry.empty())
            continue;
        if (entry == "*")
            return true;
        if (entry.front() == '.')
            entry.erase(0, 1);
        if (h == entry)
            return true;
        if (h.size() > entry.size() && h.ends_with(entry) && h[h.size() - entry.size() - 1] == '.')
            return true;
    }
    return false;
}

}  // namespace

std::string CaSource::describe() const {
    switch (kind) {
        case Kind::cacert:
            return "the integration's CA bundle " + file;
        case Kind::environment: {
            std::string out = "the environment's";
            if (!file.empty())
                out += " SSL_CERT_FILE=" + file;
            if (!dir.empty())
                out += " SSL_CERT_DIR=" + dir;
            return out;
        }
        case Kind::system:
            return "the system CA store";
        case Kind::none:
            return "nothing (verification off)";
    }
    return "the system CA store";
}

CaSource choose_ca_source(const TlsOptions& tls) {
    CaSource source;
    if (tls.insecure) {
        source.kind = CaSource::Kind::none;
        return source;
    }
    if (!tls.cacert.empty()) {
        source.kind = CaSource::Kind::cacert;
        source.file = tls.cacert;
        return source;
    }

    // A variable naming a path that does not exist is ignored, as OpenSSL itself ignores it.
    std::error_code ec;
    std::string file = env("SSL_CERT_FILE");
    if (!file.empty() && !std::filesystem::is_regular_file(file, ec)) {
        log::debug("SSL_CERT_FILE=" + file + " is not a file; ignored");
        file.clear();
    }
    std::string dir = env("SSL_CERT_DIR");
    if (!dir.empty() && !std::filesystem::is_directory(dir, ec)) {
        log::debug("SSL_CERT_DIR=" + dir + " is not a directory; ignored");
        dir.clear();
    }
    if (!file.empty() || !dir.empty()) {
        source.kind = CaSource::Kind::environment;
        source.file = file;
        source.dir = dir;
    }
    return source;
}

std::optional<ProxyChoice> proxy_for(std::string_view host) {
    // libcurl reads upper-case HTTPS_PROXY too (only HTTP_PROXY is ignored in upper case).
    static constexpr const char* variables[] = {"https_proxy", "HTTPS_PROXY", "all_proxy",
                                                "ALL_PROXY"};
    for (const char* variable : variables) {
        std::string value = trim(env(variable));
        if (value.empty())
            continue;
        if (no_proxy_covers(host))
            return std::nullopt;

        ProxyChoice choice;
        choice.variable = variable;
        std::string rest = value;
        std::string scheme = "http://";
        if (auto pos = rest.find("://"); pos != std::string::npos) {
            scheme = rest.substr(0, pos + 3);
            rest = rest.substr(pos + 3);
        }
        if (auto at = rest.rfind('@', rest.find('/')); at != std::string::npos) {
            rest = rest.substr(at + 1);  // drop user:password
            choice.has_credentials = true;
        }
        if (auto slash = rest.find('/'); slash != std::string::npos)
            rest = rest.substr(0, slash);
        choice.url = scheme + rest;
        choice.host = rest;
        choice.port = lower(scheme) == "https://" ? 443 : 1080;  // libcurl's defaults
        if (auto colon = rest.rfind(':');
            colon != std::string::npos && rest.find(']', colon) == std::string::npos) {
            choice.host = rest.substr(0, colon);
            choice.port = std::atoi(rest.c_str() + colon + 1);
        }
        if (choice.host.size() > 2 && choice.host.front() == '[')
            choice.host = choice.host.substr(1, choice.host.size() - 2);
        return choice;
    }
    return std::nullopt;
}

std::string percent_encode(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += ch;
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0x0f];
        }
    }
    return out;
}

std::string build_query(const std::vector<std::pair<std::string, std::string>>& parameters) {
    std::string out;
    for (const auto& [name, value] : parameters) {
        if (!out.empty())
            out += '&';
        out += percent_encode(name) + '=' + percent_encode(value);
    }
    return out;
}

std::string origin(const std::string& host, int port) {
    std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    return port == 443 ? "https://" + h : "https://" + h + ":" + std::to_string(port);
}

void record_header_line(std::string_view line, std::map<std::string, std::string>& headers) {
    if (line.starts_with("HTTP/")) {
        headers.clear();  // a new response (after 100 Continue): forget the earlier headers
        return;
    }
    auto colon = line.find(':');
    if (colon != std::string_view::npos)
        headers[lower(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
}

}  // namespace tectl::http
