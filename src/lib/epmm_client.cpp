#include "tectl/epmm_client.hpp"

#include "tectl/error.hpp"
#include "tectl/log.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <thread>

namespace tectl::epmm {

// ---- text helpers -----------------------------------------------------------------------------

std::string basic_token(std::string_view user, std::string_view password) {
    static constexpr char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string input = std::string(user) + ":" + std::string(password);
    std::string out;
    out.reserve((input.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < input.size(); i += 3) {
        std::uint32_t chunk = static_cast<unsigned char>(input[i]) << 16;
        if (i + 1 < input.size())
            chunk |= static_cast<unsigned char>(input[i + 1]) << 8;
        if (i + 2 < input.size())
            chunk |= static_cast<unsigned char>(input[i + 2]);
        out += alphabet[(chunk >> 18) & 63];
        out += alphabet[(chunk >> 12) & 63];
        out += i + 1 < input.size() ? alphabet[(chunk >> 6) & 63] : '=';
        out += i + 2 < input.size() ? alphabet[chunk & 63] : '=';
    }
    return out;
}

std::string sanitize_utf8(std::string_view text) {
    static constexpr std::string_view replacement = "\xEF\xBF\xBD";
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        auto c = static_cast<unsigned char>(text[i]);
        std::size_t length = 0;
        unsigned char low = 0x80, high = 0xBF;  // the valid range of the second byte
        if (c < 0x80) {
            length = 1;
        } else if (c >= 0xC2 && c <= 0xDF) {
            length = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            length = 3;
            if (c == 0xE0)
                low = 0xA0;
            if (c == 0xED)
                high = 0x9F;  // no UTF-16 surrogates
        } else if (c >= 0xF0 && c <= 0xF4) {
            length = 4;
            if (c == 0xF0)
                low = 0x90;
            if (c == 0xF4)
                high = 0x8F;
        }
        bool valid = length > 0 && i + length <= text.size();
        for (std::size_t k = 1; valid && k < length; ++k) {
            auto next = static_cast<unsigned char>(text[i + k]);
            valid = k == 1 ? (next >= low && next <= high) : (next >= 0x80 && next <= 0xBF);
        }
        if (valid) {
            out.append(text.substr(i, length));
            i += length;
        } else {
            out += replacement;
            ++i;
        }
    }
    return out;
}

namespace {

constexpr std::size_t excerpt_bytes = 200;

std::string lower(std::string_view text) {
    std::string out(text);
    for (auto& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// One line of at most `limit` bytes: controls become spaces, runs of space collapse, and a cut
// never splits a UTF-8 character.
std::string one_line(std::string_view text, std::size_t limit) {
    std::string clean = sanitize_utf8(text);
    std::string out;
    bool space = false;
    for (char ch : clean) {
        auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7f || c == ' ') {
            space = !out.empty();
            continue;
        }
        if (space)
            out += ' ';
        space = false;
        out += ch;
    }
    if (out.size() <= limit)
        return out;
    std::size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80)
        --cut;
    return out.substr(0, cut) + "…";
}

std::string decode_entities(std::string text) {
    static const std::pair<std::string_view, std::string_view> entities[] = {
        {"&amp;", "&"},   {"&lt;", "<"},  {"&gt;", ">"},
        {"&quot;", "\""}, {"&#39;", "'"}, {"&nbsp;", " "}};
    for (const auto& [entity, plain] : entities) {
        for (auto pos = text.find(entity); pos != std::string::npos;
             pos = text.find(entity, pos + plain.size()))
            text.replace(pos, entity.size(), plain);
    }
    return text;
}

bool looks_like_html(std::string_view body, std::string_view content_type) {
    if (lower(content_type).find("html") != std::string::npos)
        return true;
    std::string head = lower(body.substr(0, 1024));
    return head.find("<!doctype html") != std::string::npos ||
           head.find("<html") != std::string::npos || head.find("<head") != std::string::npos ||
           head.find("<body") != std::string::npos;
}

std::string html_summary(std::string_view body) {
    std::string_view head = body.substr(0, 64 * 1024);
    std::string folded = lower(head);
    for (std::string_view tag : {"title", "h1"}) {
        std::string open = "<" + std::string(tag);
        auto start = folded.find(open);
        if (start == std::string::npos)
            continue;
        start = folded.find('>', start);
        auto end = folded.find("</" + std::string(tag), start);
        if (start == std::string::npos || end == std::string::npos)
            continue;
        std::string title =
            one_line(decode_entities(std::string(head.substr(start + 1, end - start - 1))), 120);
        if (!title.empty())
            return "an HTML page titled \"" + title + "\"";
    }
    return "an HTML page";
}

std::string json_message(const nlohmann::json& doc) {
    if (!doc.is_object())
        return {};
    std::string joined;
    if (auto it = doc.find("messages"); it != doc.end() && it->is_array()) {
        for (const auto& message : *it) {
            if (!message.is_object())
                continue;
            auto text = message.find("localizedMessage");
            if (text == message.end() || !text->is_string())
                continue;
            std::string line = one_line(text->get<std::string>(), excerpt_bytes);
            if (line.empty())
                continue;
            joined += (joined.empty() ? "" : "; ") + line;
            if (joined.size() > 2 * excerpt_bytes)
                break;
        }
    }
    if (!joined.empty())
        return joined;
    if (auto it = doc.find("localizedMessage"); it != doc.end() && it->is_string())
        return one_line(it->get<std::string>(), excerpt_bytes);
    return {};
}

}  // namespace

std::string describe_error_body(std::string_view body, std::string_view content_type) {
    std::size_t first = body.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos)
        return {};
    std::string_view trimmed = body.substr(first);

    // A huge body is not parsed: its message would not fit one line anyway.
    if ((trimmed.front() == '{' || trimmed.front() == '[') && trimmed.size() <= (1u << 20)) {
        auto doc = nlohmann::json::parse(sanitize_utf8(trimmed), nullptr, false);
        if (!doc.is_discarded()) {
            std::string message = json_message(doc);
            if (!message.empty())
                return message;
        }
    }
    if (looks_like_html(trimmed, content_type))
        return html_summary(trimmed);
    return one_line(trimmed.substr(0, 4 * excerpt_bytes), excerpt_bytes);
}

// ---- the client -------------------------------------------------------------------------------

namespace {

enum class Call { ping, spaces, devices, count };

using Params = std::vector<std::pair<std::string, std::string>>;

std::string reason_phrase(long status) {
    switch (status) {
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 429:
            return "Too Many Requests";
        case 500:
            return "Internal Server Error";
        case 502:
            return "Bad Gateway";
        case 503:
            return "Service Unavailable";
        case 504:
            return "Gateway Timeout";
        default:
            return "";
    }
}

std::string status_text(long status) {
    std::string phrase = reason_phrase(status);
    return phrase.empty() ? std::to_string(status) : std::to_string(status) + " " + phrase;
}

std::optional<std::int64_t> as_integer(const nlohmann::json& value) {
    if (value.is_number_unsigned())
        return value.get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX)
                   ? std::optional<std::int64_t>(value.get<std::int64_t>())
                   : std::nullopt;
    if (value.is_number_integer())
        return value.get<std::int64_t>();
    if (value.is_number_float()) {
        // Range first: converting 1e300 to an integer is undefined behaviour.
        double d = value.get<double>();
        if (d >= -9223372036854775808.0 && d < 9223372036854775808.0 && d == std::trunc(d))
            return static_cast<std::int64_t>(d);
    }
    if (value.is_string()) {
        const auto& s = value.get_ref<const std::string&>();
        if (!s.empty() && s.size() < 19 &&
            std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return std::stoll(s);
    }
    return std::nullopt;
}

// True for a body that begins as a JSON object or array and is valid up to its last byte, where
// it ends too early: an answer cut short, not an HTML page or other text from a proxy.
bool cut_short(const std::string& text) {
    auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos || (text[first] != '{' && text[first] != '['))
        return false;
    try {
        auto complete = nlohmann::json::parse(text);
        (void)complete;
    } catch (const nlohmann::json::parse_error& e) {
        return e.byte > text.size();
    } catch (const nlohmann::json::exception&) {
        return false;
    }
    return false;
}

}  // namespace

struct Client::Impl {
    std::unique_ptr<http::Transport> transport;
    Endpoint endpoint;
    ClientOptions options;
    std::string authorization;
    std::int64_t sent = 0;
    bool credentials_proven = false;  // a request answered 2xx: the password is right
    std::map<std::int64_t, std::string> space_names;
    std::mt19937_64 prng{std::random_device{}()};

    std::string space_label(std::int64_t space) const {
        auto it = space_names.find(space);
        if (it == space_names.end() || it->second.empty())
            return fmt::format("space {}", space);
        return fmt::format("space \"{}\" ({})", it->second, space);
    }

    std::string role_hint(std::optional<std::int64_t> space) const {
        return fmt::format(
            "in the EPMM admin portal, Admin > Admins: select {}, Actions > Assign to Space, "
            "choose {}, and check \"View device page, device details\" under Device Management",
            endpoint.user, space ? space_label(*space) : std::string("each space with devices"));
    }

    Error status_error(const http::Response& response, Call call, const std::string& path,
                       std::optional<std::int64_t> space, int attempts,
                       std::optional<std::chrono::seconds> retry_after_too_long) {
        std::string said = describe_error_body(response.body, response.header("content-type"));
        std::string says = said.empty() ? "" : ": " + said;
        const std::string& host = endpoint.host;
        long status = response.status;

        if (status == 401 && (call == Call::ping || !credentials_proven))
            return Error(
                ErrorKind::auth,
                fmt::format("EPMM rejected the user name or password of {} (401)", endpoint.user),
                "check the API user's name (its e-mail address) and password; it must "
                "be a local EPMM user. Repeated failures can lock the account");
        if (status == 403 && call == Call::ping)
            return Error(ErrorKind::auth,
                         fmt::format("EPMM accepted the password of {} but refuses it API access "
                                     "(403){}",
                                     endpoint.user, says),
                         "give the user API access in the EPMM admin portal (Admin > Admins)");
        if ((status == 401 || status == 403) && call == Call::spaces)
            return Error(ErrorKind::auth,
                         fmt::format("{} may not list its device spaces ({}): role or space "
                                     "missing{}",
                                     endpoint.user, status, says),
                         role_hint(std::nullopt));
        if (status == 401 || status == 403)
            return Error(
                ErrorKind::auth,
                fmt::format("{} may not read devices in {} ({}): role or space missing{}",
                            endpoint.user, space ? space_label(*space) : std::string("that space"),
                            status, says),
                role_hint(space));
        if (status == 400)
            return Error(ErrorKind::usage,
                         fmt::format("EPMM refused GET {}{}", path,
                                     says.empty() ? std::string(" (400)") : says));
        if (status == 404)
            return Error(ErrorKind::failure, fmt::format("{} has no {} (404){}", host, path, says),
                         "check the host name and the API prefix (/api/v2; behind Ivanti "
                         "Connected Cloud, /rest/api/v2)");
        std::string tries = attempts > 1 ? fmt::format(" after {} attempts", attempts) : "";
        std::string asks = retry_after_too_long
                               ? fmt::format(", asking to wait {} s (tectl waits at most {} s)",
                                             retry_after_too_long->count(),
                                             std::chrono::duration_cast<std::chrono::seconds>(
                                                 options.retry.max_retry_after)
                                                 .count())
                               : "";
        if (status == 429)
            return Error(ErrorKind::network,
                         fmt::format("EPMM at {} {} (429){}{}{}", host,
                                     attempts > 1 ? "keeps limiting the request rate"
                                                  : "limits the request rate",
                                     tries, asks, says),
                         retry_after_too_long ? fmt::format("run the command again in {} s",
                                                            retry_after_too_long->count())
                                              : "wait a while and run the command again");
        if (status >= 500)
            return Error(ErrorKind::network,
                         fmt::format("EPMM at {} answered GET {} with {}{}{}{}", host, path,
                                     status_text(status), tries, asks, says),
                         "EPMM, or a gateway in front of it, is failing; check its status and "
                         "try again later");
        return Error(ErrorKind::failure, fmt::format("EPMM at {} answered GET {} with status {}{}",
                                                     host, path, status_text(status), says));
    }

    // A wait long enough to look like a hang is told without -v too.
    static void tell_wait(const std::string& why, std::chrono::milliseconds delay) {
        if (delay >= std::chrono::seconds(2))
            log::info(fmt::format("{}; asking again in {} s", why,
                                  std::chrono::ceil<std::chrono::seconds>(delay).count()));
    }

    nlohmann::json get(Call call, const std::string& path, const Params& params,
                       std::optional<std::int64_t> space = std::nullopt) {
        std::string full_path = endpoint.api_prefix + path;
        http::Request request;
        request.url = http::origin(endpoint.host, endpoint.port) + full_path;
        if (!params.empty())
            request.url += "?" + http::build_query(params);
        request.headers = {{"Authorization", authorization}, {"Accept", "application/json"}};

        for (int attempt = 1;; ++attempt) {
            http::Attempt outcome;
            outcome.number = attempt;
            http::Response response;
            try {
                ++sent;
                response = transport->perform(request);
            } catch (const http::TransportError& e) {
                outcome.failure = e.reason();
                auto delay = http::retry_delay(options.retry, outcome, random());
                if (!delay)
                    throw;
                log::debug(fmt::format("GET {}: {}; attempt {} of {} in {} ms", full_path, e.what(),
                                       attempt + 1, options.retry.max_attempts, delay->count()));
                tell_wait(e.what(), *delay);
                options.sleep(*delay);
                continue;
            }

            if (response.status >= 200 && response.status < 300) {
                credentials_proven = true;
                return parse(response, full_path);
            }
            outcome.status = response.status;
            outcome.retry_after = http::parse_retry_after(response.header("retry-after"));
            auto delay = http::retry_delay(options.retry, outcome, random());
            if (delay) {
                log::debug(fmt::format("GET {}: {} from {}; attempt {} of {} in {} ms", full_path,
                                       response.status, endpoint.host, attempt + 1,
                                       options.retry.max_attempts, delay->count()));
                tell_wait(fmt::format("EPMM at {} answered {}", endpoint.host,
                                      status_text(response.status)),
                          *delay);
                options.sleep(*delay);
                continue;
            }
            std::optional<std::chrono::seconds> too_long;
            if (outcome.retry_after && *outcome.retry_after > options.retry.max_retry_after &&
                http::retryable_status(response.status))
                too_long = outcome.retry_after;
            throw status_error(response, call, full_path, space, attempt, too_long);
        }
    }

    nlohmann::json parse(const http::Response& response, const std::string& path) {
        const std::string text = sanitize_utf8(response.body);
        auto doc = nlohmann::json::parse(text, nullptr, false);
        if (doc.is_discarded() && cut_short(text)) {
            throw Error(ErrorKind::network,
                        fmt::format("EPMM at {} answered GET {} with JSON that stops after {} "
                                    "bytes, before the document is complete",
                                    endpoint.host, path, response.body.size()),
                        "the answer was cut short on its way; check any proxy or load balancer "
                        "in front of EPMM, then try again");
        }
        if (doc.is_discarded() || !doc.is_object()) {
            std::string said = describe_error_body(response.body, response.header("content-type"));
            throw Error(ErrorKind::failure,
                        fmt::format("EPMM at {} answered GET {} with something that is not EPMM's "
                                    "JSON{}",
                                    endpoint.host, path,
                                    said.empty() ? std::string(" (an empty body)") : ": " + said),
                        "check the host name and the API prefix; a proxy or a login page may be "
                        "answering instead of EPMM");
        }
        return doc;
    }

    [[noreturn]] void malformed(const std::string& path, const std::string& what) {
        throw Error(ErrorKind::failure,
                    fmt::format("EPMM at {} answered GET {}{} with {}", endpoint.host,
                                endpoint.api_prefix, path, what),
                    "this EPMM version may answer differently from what tectl knows; run with -v "
                    "and report it");
    }

    double random() {
        if (options.random)
            return options.random();
        return std::uniform_real_distribution<double>(0.0, 1.0)(prng);
    }
};

Client::Client(std::unique_ptr<http::Transport> transport, Endpoint endpoint)
    : Client(std::move(transport), std::move(endpoint), ClientOptions{}) {}

Client::Client(std::unique_ptr<http::Transport> transport, Endpoint endpoint, ClientOptions options)
    : impl_(std::make_unique<Impl>()) {
    if (endpoint.user.find(':') != std::string::npos)
        throw Error(ErrorKind::usage, "the EPMM user name '" + endpoint.user + "' contains ':'",
                    "HTTP Basic credentials cannot carry a ':' in the user name; use the API "
                    "user's e-mail address");
    if (endpoint.host.empty())
        throw Error(ErrorKind::usage, "no EPMM host given");
    if (!options.sleep) {
        // In short steps, so that a cancel (Ctrl-C during a long Retry-After) ends the wait.
        options.sleep = [cancel = options.cancel](std::chrono::milliseconds d) {
            auto until = std::chrono::steady_clock::now() + d;
            constexpr std::chrono::milliseconds step{20};
            while (!(cancel && *cancel)) {
                auto left = until - std::chrono::steady_clock::now();
                if (left <= std::chrono::milliseconds::zero())
                    return;
                std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(left, step));
            }
            throw Error(ErrorKind::interrupted, "interrupted while waiting to ask EPMM again");
        };
    }

    std::string token = basic_token(endpoint.user, endpoint.password);
    log::add_secret(endpoint.password);
    log::add_secret(token);
    impl_->authorization = "Basic " + token;
    impl_->transport = std::move(transport);
    impl_->endpoint = std::move(endpoint);
    impl_->options = std::move(options);
}

Client::~Client() = default;

std::int64_t Client::requests_sent() const {
    return impl_->sent;
}

const Endpoint& Client::endpoint() const {
    return impl_->endpoint;
}

std::string Client::ping() {
    auto doc = impl_->get(Call::ping, "/ping", {});
    auto results = doc.find("results");
    if (results == doc.end() || !results->is_object())
        impl_->malformed("/ping", "no \"results\" object");
    auto version = results->find("vspVersion");
    if (version == results->end() || version->is_null())
        return "unknown";
    if (version->is_string())
        return sanitize_utf8(version->get<std::string>());
    if (version->is_number())
        return version->dump();
    impl_->malformed("/ping", "a \"vspVersion\" that is not text");
}

std::vector<DeviceSpace> Client::my_spaces() {
    auto doc = impl_->get(Call::spaces, "/device_spaces/mine", {});
    auto results = doc.find("results");
    if (results == doc.end() || !results->is_array())
        impl_->malformed("/device_spaces/mine", "no \"results\" list");

    std::vector<DeviceSpace> spaces;
    for (const auto& item : *results) {
        if (!item.is_object())
            impl_->malformed("/device_spaces/mine", "a space that is no object");
        auto id = item.contains("id") ? as_integer(item["id"]) : std::nullopt;
        if (!id)
            impl_->malformed("/device_spaces/mine", "a space without a numeric \"id\"");
        DeviceSpace space{*id, {}};
        if (auto name = item.find("name"); name != item.end() && name->is_string())
            space.name = name->get<std::string>();
        impl_->space_names[space.id] = space.name;
        spaces.push_back(std::move(space));
    }
    return spaces;
}

DevicePage Client::devices(const DeviceQuery& query) {
    if (query.limit < 1 || query.limit > 200)
        throw Error(ErrorKind::usage,
                    fmt::format("a device page holds 1 to 200 devices, not {}", query.limit));
    if (query.query.size() > 255)
        throw Error(ErrorKind::usage,
                    fmt::format("the EPMM query is {} characters long; EPMM takes at most 255",
                                query.query.size()),
                    "search fewer device UUIDs at once");
    if (query.fields.empty())
        throw Error(ErrorKind::usage, "no device fields requested");

    std::string fields;
    for (const auto& field : query.fields)
        fields += (fields.empty() ? "" : ",") + field;
    Params params = {{"adminDeviceSpaceId", std::to_string(query.space)},
                     {"query", query.query},
                     {"fields", fields},
                     {"limit", std::to_string(query.limit)},
                     {"offset", std::to_string(query.offset)}};
    if (!query.sort_field.empty()) {
        params.emplace_back("sortField", query.sort_field);
        params.emplace_back("sortOrder", "ASC");
    }
    auto doc = impl_->get(Call::devices, "/devices", params, query.space);

    auto results = doc.find("results");
    if (results == doc.end() || !results->is_array())
        impl_->malformed("/devices", "no \"results\" list");
    DevicePage page;
    for (auto& item : *results) {
        if (!item.is_object())
            impl_->malformed("/devices", "a device that is no object");
        page.results.push_back(std::move(item));
    }
    auto total = doc.contains("totalCount") ? as_integer(doc["totalCount"]) : std::nullopt;
    if (!total)
        impl_->malformed("/devices", "no numeric \"totalCount\"");
    page.total_count = *total;
    if (auto more = doc.find("hasMore"); more != doc.end() && more->is_boolean())
        page.has_more = more->get<bool>();
    else
        page.has_more = query.offset + static_cast<std::int64_t>(page.results.size()) < *total;
    return page;
}

std::int64_t Client::count(std::int64_t space, const std::string& query) {
    if (query.size() > 255)
        throw Error(ErrorKind::usage,
                    fmt::format("the EPMM query is {} characters long; EPMM takes at most 255",
                                query.size()));
    auto doc = impl_->get(Call::count, "/devices/count",
                          {{"adminDeviceSpaceId", std::to_string(space)}, {"query", query}}, space);
    auto total = doc.contains("totalCount") ? as_integer(doc["totalCount"]) : std::nullopt;
    if (!total)
        impl_->malformed("/devices/count", "no numeric \"totalCount\"");
    return *total;
}

}  // namespace tectl::epmm
