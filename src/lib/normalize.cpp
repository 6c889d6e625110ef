#include "tectl/normalize.hpp"

#include "tectl/error.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace tectl {
namespace {

bool is_space(char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_space(s.back()))
        s.remove_suffix(1);
    return s;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool starts_with_icase(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && lower(s.substr(0, prefix.size())) == prefix;
}

// The input as it can be shown on a terminal: control characters and spaces other than ' '
// become \xNN, so a pasted escape sequence is shown, not obeyed.
std::string printable(std::string_view input) {
    std::string out;
    for (char c : input) {
        auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) {
            static constexpr char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[byte >> 4];
            out += hex[byte & 0xf];
        } else {
            out += c;
        }
    }
    return out;
}

Error bad_host(std::string_view input, const std::string& why) {
    return Error(ErrorKind::usage, "--epmm-host '" + printable(input) + "': " + why,
                 "give the EPMM host name only, for example --epmm-host epmm.example.com");
}

bool valid_label(std::string_view label) {
    if (label.empty() || label.size() > 63)
        return false;
    if (label.front() == '-' || label.back() == '-')
        return false;
    return std::all_of(label.begin(), label.end(),
                       [](unsigned char c) { return std::isalnum(c) || c == '-'; });
}

bool valid_host_name(std::string_view host) {
    if (host.empty() || host.size() > 253)
        return false;
    std::size_t start = 0;
    while (true) {
        auto dot = host.find('.', start);
        auto label = host.substr(start, dot == std::string_view::npos ? host.npos : dot - start);
        if (!valid_label(label))
            return false;
        if (dot == std::string_view::npos)
            return true;
        start = dot + 1;
    }
}

// inet_pton reads a C string, so a text with a NUL inside is never a literal (it would be judged
// by its part before the NUL).
bool is_ip_literal(const std::string& text, int family) {
    unsigned char buffer[16];
    return text.find('\0') == std::string::npos && inet_pton(family, text.c_str(), buffer) == 1;
}

bool is_control(char c) {
    auto byte = static_cast<unsigned char>(c);
    return (byte < 0x20 && !is_space(c)) || byte == 0x7f;
}

int parse_port(std::string_view input, std::string_view digits) {
    if (digits.empty() || digits.size() > 5 ||
        !std::all_of(digits.begin(), digits.end(),
                     [](unsigned char c) { return std::isdigit(c); })) {
        throw bad_host(input, "the port '" + std::string(digits) + "' is not a number");
    }
    int port = std::stoi(std::string(digits));
    if (port < 1 || port > 65535)
        throw bad_host(input, "the port must be from 1 to 65535");
    return port;
}

}  // namespace

NormalizedHost normalize_host(std::string_view input) {
    NormalizedHost out;
    std::string_view rest = trim(input);
    if (rest.size() != input.size())
        out.changes.push_back("removed surrounding spaces");
    if (rest.empty())
        throw bad_host(input, "the host is empty");
    if (std::any_of(rest.begin(), rest.end(), is_control))
        throw bad_host(input, "it holds a control character");

    // A scheme: "https://" is removed; "https:/host" or "https:host" is a typo that a naive
    // URL parser would turn into a host named "https", so it is refused.
    for (std::string_view scheme : {"https", "http"}) {
        if (!starts_with_icase(rest, scheme) || rest.size() == scheme.size() ||
            rest[scheme.size()] != ':') {
            continue;
        }
        std::string_view after = rest.substr(scheme.size() + 1);
        if (after.substr(0, 2) == "//") {
            if (scheme == "http") {
                out.changes.push_back("removed the scheme 'http://' (EPMM's API is HTTPS only)");
            } else {
                out.changes.push_back("removed the scheme 'https://'");
            }
            rest = after.substr(2);
        } else if (after.empty() || !std::isdigit(static_cast<unsigned char>(after.front()))) {
            throw bad_host(input, "this looks like a mistyped URL (the scheme needs '://')");
        }
        break;
    }
    if (rest.find("://") != std::string_view::npos) {
        throw bad_host(input, "only https:// URLs can be turned into a host");
    }

    // A path, query or fragment after the authority.
    auto path_at = rest.find_first_of("/?#");
    if (path_at != std::string_view::npos) {
        std::string_view path = rest.substr(path_at);
        if (path != "/") {
            out.changes.push_back("removed the path '" + std::string(path) + "'");
        } else {
            out.changes.push_back("removed the trailing '/'");
        }
        rest = rest.substr(0, path_at);
    }
    if (rest.find('@') != std::string_view::npos) {
        throw bad_host(input, "it holds a user name; give the user with --epmm-user instead");
    }

    // Spaces inside what is left are typing accidents.
    std::string authority;
    for (char c : rest) {
        if (!is_space(c))
            authority.push_back(c);
    }
    if (authority.size() != rest.size())
        out.changes.push_back("removed spaces inside the host");

    // Port, with IPv6 literals in brackets.
    std::string host;
    std::optional<int> port;
    if (!authority.empty() && authority.front() == '[') {
        auto close = authority.find(']');
        if (close == std::string::npos)
            throw bad_host(input, "the IPv6 address has no ']'");
        host = authority.substr(1, close - 1);
        std::string_view tail = std::string_view(authority).substr(close + 1);
        if (!tail.empty()) {
            if (tail.front() != ':')
                throw bad_host(input, "unexpected text after ']'");
            port = parse_port(input, tail.substr(1));
        }
        if (!is_ip_literal(host, AF_INET6))
            throw bad_host(input, "not a valid IPv6 address");
    } else {
        auto colon = authority.find(':');
        if (colon != std::string::npos && authority.find(':', colon + 1) != std::string::npos) {
            if (is_ip_literal(authority, AF_INET6)) {
                host = authority;
            } else {
                throw bad_host(input, "too many ':'");
            }
        } else if (colon != std::string::npos) {
            host = authority.substr(0, colon);
            port = parse_port(input, std::string_view(authority).substr(colon + 1));
        } else {
            host = authority;
        }
    }
    if (port == 443) {
        out.changes.push_back("removed the port 443 (the default)");
        port.reset();
    }
    if (port == 8443) {
        out.changes.push_back(
            "kept the port 8443, but that is EPMM's System Manager; the API is normally on 443");
    }

    if (!host.empty() && host.back() == '.') {
        host.pop_back();
        out.changes.push_back("removed the trailing dot");
    }
    std::string folded = lower(host);
    if (folded != host)
        out.changes.push_back("changed the host to lower case");
    host = folded;

    if (host.empty())
        throw bad_host(input, "the host is empty");
    if (!is_ip_literal(host, AF_INET) && !is_ip_literal(host, AF_INET6) && !valid_host_name(host)) {
        throw bad_host(input, "'" + host + "' is not a valid host name");
    }
    out.host = host;
    out.port = port;
    return out;
}

std::string normalize_user(std::string_view input, std::vector<std::string>& changes) {
    std::string_view user = trim(input);
    if (user.size() != input.size())
        changes.push_back("removed spaces around the EPMM user");
    if (user.empty()) {
        throw Error(ErrorKind::usage, "--epmm-user is empty",
                    "give the e-mail address of the EPMM local API user");
    }
    if (user.find(':') != std::string_view::npos) {
        throw Error(ErrorKind::usage,
                    "--epmm-user '" + std::string(user) +
                        "' contains ':', which HTTP Basic authentication cannot carry",
                    "use a local EPMM user whose name has no ':'");
    }
    for (unsigned char c : user) {
        if (c < 0x20 || c == 0x7f || c == ' ') {
            throw Error(ErrorKind::usage, "--epmm-user contains spaces or control characters",
                        "give the e-mail address of the EPMM local API user");
        }
    }
    if (user.find('@') == std::string_view::npos) {
        changes.push_back("the EPMM user '" + std::string(user) +
                          "' is not an e-mail address; Duo expects the local user's e-mail");
    }
    return std::string(user);
}

bool is_config_key(std::string_view text) {
    return text.size() == 19 && text.substr(0, 3) == "DPK" &&
           std::all_of(text.begin() + 3, text.end(),
                       [](unsigned char c) { return std::isdigit(c) || std::isupper(c); });
}

std::string normalize_config_key(std::string_view input) {
    std::string_view key = trim(input);
    if (!is_config_key(key)) {
        throw Error(ErrorKind::usage,
                    "--config-key '" + std::string(key) +
                        "' is not a Trusted Endpoints configuration key (DPK followed by 16 "
                        "upper-case letters and digits)",
                    "copy the key from the integration's page in the Duo Admin Panel, or omit "
                    "--config-key to have one minted");
    }
    return std::string(key);
}

bool is_integration_id(std::string_view text) {
    return text.size() == 20 && text.substr(0, 2) == "DI" &&
           std::all_of(text.begin() + 2, text.end(),
                       [](unsigned char c) { return std::isdigit(c) || std::isupper(c); });
}

std::string normalize_name(std::string_view input) {
    std::string_view name = trim(input);
    if (name.empty() || name.size() > 64) {
        throw Error(ErrorKind::usage, "--name must be 1 to 64 characters",
                    "choose a short name such as android-prod");
    }
    for (unsigned char c : name) {
        if (c < 0x20 || c == 0x7f) {
            throw Error(ErrorKind::usage, "--name contains control characters",
                        "choose a short name such as android-prod");
        }
    }
    if (is_integration_id(name)) {
        throw Error(ErrorKind::usage, "--name '" + std::string(name) + "' looks like an id",
                    "choose a name that does not start with DI and 18 letters or digits");
    }
    return std::string(name);
}

}  // namespace tectl
