#include "server.hpp"

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "query.hpp"

namespace epmm_sim {

namespace {

using nlohmann::json;

constexpr const char* kMasked = "*****";
// Stands in for invalid UTF-8 while the body is built: nlohmann/json refuses to write it.
constexpr const char* kInvalidUtf8Marker = "@@epmm-sim-invalid-utf8@@";
constexpr const char* kInvalidUtf8Bytes = "Pixel \xC3\x28 \xFF";

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string error_body(int status, const std::string& message) {
    json body{{"messages",
               {{{"type", "Error"},
                 {"messageKey", "com.mobileiron.vsp.messages.http." + std::to_string(status)},
                 {"localizedMessage", message}}}}};
    return body.dump();
}

std::string html_page(int status, const std::string& title) {
    return "<!DOCTYPE html>\n<html><head><title>" + std::to_string(status) + " " + title +
           "</title></head>\n<body><h1>" + title +
           "</h1><p>The server could not handle the "
           "request.</p></body></html>\n";
}

const char* reason(int status) {
    switch (status) {
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
            return "Error";
    }
}

std::optional<std::string> base64_decode(const std::string& text) {
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    std::size_t padding = 0;
    for (char c : text) {
        int value;
        if (c >= 'A' && c <= 'Z')
            value = c - 'A';
        else if (c >= 'a' && c <= 'z')
            value = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            value = c - '0' + 52;
        else if (c == '+')
            value = 62;
        else if (c == '/')
            value = 63;
        else if (c == '=') {
            ++padding;
            continue;
        } else
            return std::nullopt;
        if (padding)
            return std::nullopt;  // data after padding
        buffer = (buffer << 6) | static_cast<unsigned>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buffer >> bits) & 0xff));
        }
    }
    if ((text.size() % 4) != 0 || padding > 2)
        return std::nullopt;
    return out;
}

// A strict decimal integer, so "12abc" or "" is rejected as EPMM would.
std::optional<std::int64_t> parse_integer(const std::string& text) {
    if (text.empty() || text.size() > 18)
        return std::nullopt;
    std::size_t start = text[0] == '-' ? 1 : 0;
    if (start == text.size())
        return std::nullopt;
    for (std::size_t i = start; i < text.size(); ++i) {
        if (text[i] < '0' || text[i] > '9')
            return std::nullopt;
    }
    return std::stoll(text);
}

std::string as_text(const json& value) {
    if (value.is_string())
        return value.get<std::string>();
    if (value.is_null())
        return "";
    return value.dump();
}

bool iequals(const std::string& a, const std::string& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string query_string(const httplib::Request& request) {
    auto q = request.target.find('?');
    return q == std::string::npos ? "" : request.target.substr(q + 1);
}

// Aborts the TCP connection with a reset: connect(AF_UNSPEC) disconnects a Linux TCP socket
// at once, and the descriptor stays valid for cpp-httplib to close later.
void reset_connection(const httplib::Request& request) {
    if (!request.ssl)
        return;
    int fd = SSL_get_fd(request.ssl);
    if (fd < 0)
        return;
    sockaddr unspecified{};
    unspecified.sa_family = AF_UNSPEC;
    ::connect(fd, &unspecified, sizeof unspecified);
}

}  // namespace

EpmmServer::EpmmServer(Config config, const std::string& log_path)
    : config_(std::move(config)),
      inventory_(config_.inventory),
      fault_uses_(config_.faults.size(), 0) {
    for (const auto& extra : config_.inventory.extra) {
        if (extra.contains("common.id"))
            ids_in_index_order_ = false;
    }
    if (!log_path.empty()) {
        log_.open(log_path, std::ios::app);
        if (!log_)
            throw ConfigError("cannot open the request log " + log_path);
    }
}

void EpmmServer::install(httplib::Server& server) {
    auto handler = [this](const httplib::Request& request, httplib::Response& response) {
        handle(request, response);
    };
    auto not_allowed = [this](const httplib::Request& request, httplib::Response& response) {
        response.status = 405;
        response.set_content(error_body(405, "method not allowed"), "application/json");
        log_request(request, 405, nullptr);
    };
    server.Get(".*", handler);
    server.Post(".*", not_allowed);
    server.Put(".*", not_allowed);
    server.Patch(".*", not_allowed);
    server.Delete(".*", not_allowed);
}

void EpmmServer::stop() {
    {
        std::lock_guard lock(stop_mutex_);
        stopping_ = true;
    }
    stop_cv_.notify_all();
}

bool EpmmServer::wait_for_stop(std::int64_t ms) {
    std::unique_lock lock(stop_mutex_);
    return stop_cv_.wait_for(lock, std::chrono::milliseconds(ms),
                             [this] { return stopping_.load(); });
}

void EpmmServer::handle(const httplib::Request& request, httplib::Response& response) {
    const std::string api_root = config_.prefix + "/api/v2/";
    if (request.path.compare(0, api_root.size(), api_root) != 0) {
        response.status = 404;
        response.set_content(html_page(404, "Not Found"), "text/html");
        log_request(request, 404, nullptr);
        return;
    }
    const std::string api_path = request.path.substr(config_.prefix.size());

    // Faults that replace the answer come before authentication, as a proxy or an overloaded
    // server would answer.
    apply_delays(api_path);
    if (const Fault* fault =
            take_fault(api_path, {"hang", "status", "redirect", "huge", "endless"})) {
        fault_reply(*fault, request, response);
        return;
    }

    const User* user = authenticate(request);
    if (!user) {
        // EPMM sends no challenge, and no JSON.
        response.status = 401;
        log_request(request, 401, nullptr);
        return;
    }

    const Fault* ignore_offset =
        api_path == "/api/v2/devices" ? take_fault(api_path, {"ignore_offset"}) : nullptr;
    const Fault* invalid_utf8 =
        api_path == "/api/v2/devices" ? take_fault(api_path, {"invalid_utf8"}) : nullptr;
    Reply reply = route(api_path, request, *user, ignore_offset != nullptr, invalid_utf8);

    const Fault* damage =
        reply.status == 200 ? take_fault(api_path, {"truncate", "reset"}) : nullptr;
    const char* fault_name = damage          ? damage->kind.c_str()
                             : invalid_utf8  ? "invalid_utf8"
                             : ignore_offset ? "ignore_offset"
                                             : nullptr;
    log_request(request, reply.status, fault_name);

    response.status = reply.status;
    if (damage && damage->kind == "truncate") {
        response.set_content(reply.body.substr(0, reply.body.size() / 2), reply.content_type);
    } else if (damage && damage->kind == "reset") {
        auto body = std::make_shared<std::string>(std::move(reply.body));
        response.set_content_provider(
            body->size(), reply.content_type,
            [body, &request](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                if (offset > 0) {
                    reset_connection(request);
                    return false;
                }
                sink.write(body->data(), std::max<std::size_t>(1, body->size() / 2));
                return true;
            });
    } else if (!reply.body.empty()) {
        response.set_content(reply.body, reply.content_type);
    }
}

EpmmServer::Reply EpmmServer::route(const std::string& api_path, const httplib::Request& request,
                                    const User& user, bool ignore_offset,
                                    const Fault* invalid_utf8) {
    if (api_path == "/api/v2/ping") {
        json body{{"results", {{"apiVersion", 2.0}, {"vspVersion", config_.vsp_version}}}};
        return {200, body.dump()};
    }
    if (api_path == "/api/v2/device_spaces/mine") {
        json results = json::array();
        for (const auto& grant : user.spaces) {
            for (const auto& space : config_.spaces) {
                if (space.id == grant.space_id) {
                    results.push_back({{"id", space.id}, {"name", space.name}});
                }
            }
        }
        return {200, json{{"results", results}}.dump()};
    }
    if (api_path == "/api/v2/devices") {
        return devices(request, user, false, ignore_offset, invalid_utf8);
    }
    if (api_path == "/api/v2/devices/count") {
        return devices(request, user, true, false, nullptr);
    }
    if (api_path == "/api/v2/devices/search_fields") {
        int space_id = 0;
        if (auto refused = check_space(request, user, space_id))
            return *refused;
        json results = json::array();
        for (const auto& name : known_fields())
            results.push_back({{"name", name}});
        return {200, json{{"results", results}}.dump()};
    }
    return {404, error_body(404, "no such resource: " + api_path)};
}

// Validates adminDeviceSpaceId and the user's role in that space.
std::optional<EpmmServer::Reply> EpmmServer::check_space(const httplib::Request& request,
                                                         const User& user, int& space_id) const {
    if (!request.has_param("adminDeviceSpaceId")) {
        return Reply{400, error_body(400, "The adminDeviceSpaceId parameter is required.")};
    }
    auto id = parse_integer(request.get_param_value("adminDeviceSpaceId"));
    if (!id || *id < 1 || *id > 1000000000) {
        return Reply{400, error_body(400,
                                     "The adminDeviceSpaceId parameter must be a positive "
                                     "integer.")};
    }
    space_id = static_cast<int>(*id);
    bool allowed = std::any_of(user.spaces.begin(), user.spaces.end(), [&](const SpaceGrant& g) {
        return g.space_id == space_id && g.device_read;
    });
    if (allowed)
        return std::nullopt;

    const int status = config_.forbidden_status;
    if (config_.forbidden_body == "html") {
        return Reply{status, html_page(status, reason(status)), "text/html"};
    }
    return Reply{status, error_body(status,
                                    "The user is not authorized to view devices in this "
                                    "device space.")};
}

bool EpmmServer::field_equals(std::size_t device, const std::string& field,
                              const std::string& value) const {
    std::string actual = as_text(inventory_.field(device, field));
    if (field == "common.uuid" && config_.uuid_case_insensitive)
        return iequals(actual, value);
    return actual == value;
}

EpmmServer::Reply EpmmServer::devices(const httplib::Request& request, const User& user,
                                      bool count_only, bool ignore_offset,
                                      const Fault* invalid_utf8) {
    const auto started = std::chrono::steady_clock::now();
    int space_id = 0;
    if (auto refused = check_space(request, user, space_id))
        return *refused;

    // Parameters, in the order the product's error messages would name them.
    std::vector<std::string> fields;
    if (!count_only) {
        if (!request.has_param("fields")) {
            return {400, error_body(400, "The fields parameter is required.")};
        }
        const std::string list = request.get_param_value("fields");
        for (std::size_t start = 0; start <= list.size();) {
            std::size_t comma = list.find(',', start);
            fields.push_back(
                list.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
            if (comma == std::string::npos)
                break;
            start = comma + 1;
        }
        if (fields.size() > 512) {
            return {400, error_body(400, "Too many fields: at most 512 may be requested.")};
        }
        for (const auto& field : fields) {
            if (field.size() > 320 || !is_known_field(field)) {
                return {400, error_body(400, "Unknown field: " + field.substr(0, 320))};
            }
        }
    }

    if (!count_only && !request.has_param("query") && !request.has_param("labelId")) {
        return {400, error_body(400, "Either the query or the labelId parameter is required.")};
    }
    if (request.has_param("labelId") && !request.has_param("query")) {
        return {400, error_body(400, "Labels are not simulated; use query.")};
    }
    const std::string query_text = request.get_param_value("query");
    if (query_text.size() > 255) {
        return {400, error_body(400, "The query may be at most 255 characters long.")};
    }
    QueryNode query;
    try {
        query = parse_query(query_text, [](std::string_view name) { return is_known_field(name); });
    } catch (const QueryError& e) {
        return {400, error_body(400, e.what())};
    }

    std::int64_t limit = 50;
    std::int64_t offset = 0;
    std::string sort_field = "common.id";
    bool descending = false;
    if (!count_only) {
        if (request.has_param("limit")) {
            auto value = parse_integer(request.get_param_value("limit"));
            if (!value || *value < 1 || *value > 200) {
                return {400, error_body(400, "The limit must be between 1 and 200.")};
            }
            limit = *value;
        }
        if (request.has_param("offset")) {
            auto value = parse_integer(request.get_param_value("offset"));
            if (!value || *value < 0) {
                return {400, error_body(400, "The offset must be a non-negative integer.")};
            }
            offset = *value;
        }
        if (request.has_param("sortField")) {
            sort_field = request.get_param_value("sortField");
            if (!is_known_field(sort_field)) {
                return {400, error_body(400, "Unknown sort field: " + sort_field.substr(0, 320))};
            }
        }
        if (request.has_param("sortOrder")) {
            const std::string order = request.get_param_value("sortOrder");
            if (!iequals(order, "ASC") && !iequals(order, "DESC")) {
                return {400, error_body(400, "The sortOrder must be ASC or DESC.")};
            }
            descending = iequals(order, "DESC");
        }
    }

    std::vector<std::uint32_t> matches;
    const bool all = query.kind == QueryNode::Kind::match_all;
    for (std::size_t i = 0; i < inventory_.size(); ++i) {
        if (!inventory_.visible_in(i, space_id))
            continue;
        if (all || query_matches(query, [&](const std::string& f, const std::string& v) {
                return field_equals(i, f, v);
            })) {
            matches.push_back(static_cast<std::uint32_t>(i));
        }
    }
    if (count_only) {
        return {200, json{{"totalCount", matches.size()}}.dump()};
    }

    if (sort_field != "common.id" || !ids_in_index_order_) {
        std::vector<std::pair<json, std::uint32_t>> keyed;
        keyed.reserve(matches.size());
        for (auto i : matches)
            keyed.emplace_back(inventory_.field(i, sort_field), i);
        std::stable_sort(keyed.begin(), keyed.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        for (std::size_t k = 0; k < keyed.size(); ++k)
            matches[k] = keyed[k].second;
    }
    if (descending)
        std::reverse(matches.begin(), matches.end());

    if (ignore_offset)
        offset = 0;
    const auto total = static_cast<std::int64_t>(matches.size());
    json results = json::array();
    for (std::int64_t k = offset; k < total && k < offset + limit; ++k) {
        json device = json::object();
        for (const auto& field : fields) {
            json value = inventory_.field(matches[static_cast<std::size_t>(k)], field);
            if (user.gdpr && is_personal_field(field) && !value.is_null())
                value = kMasked;
            if (invalid_utf8 && field == invalid_utf8->field)
                value = kInvalidUtf8Marker;
            device[field] = std::move(value);
        }
        results.push_back(std::move(device));
    }
    const auto count = static_cast<std::int64_t>(results.size());
    json body{{"results", std::move(results)},
              {"totalCount", total},
              {"resultCount", count},
              {"hasMore", offset + count < total},
              {"searchTimeMillis", std::chrono::duration_cast<std::chrono::milliseconds>(
                                       std::chrono::steady_clock::now() - started)
                                       .count()},
              {"currentServerTimeMilliseconds", now_ms()}};
    std::string text = body.dump();
    if (invalid_utf8) {
        const std::string marker = kInvalidUtf8Marker;
        for (auto at = text.find(marker); at != std::string::npos; at = text.find(marker, at)) {
            text.replace(at, marker.size(), kInvalidUtf8Bytes);
        }
    }
    return {200, std::move(text)};
}

const User* EpmmServer::authenticate(const httplib::Request& request) const {
    const std::string header = request.get_header_value("Authorization");
    if (header.size() < 6 || !iequals(header.substr(0, 6), "Basic "))
        return nullptr;
    std::string encoded = header.substr(6);
    while (!encoded.empty() && encoded.front() == ' ')
        encoded.erase(0, 1);
    auto decoded = base64_decode(encoded);
    if (!decoded)
        return nullptr;
    auto colon = decoded->find(':');
    if (colon == std::string::npos)
        return nullptr;
    const std::string name = decoded->substr(0, colon);
    const std::string password = decoded->substr(colon + 1);
    for (const auto& user : config_.users) {
        if (user.name == name && user.password == password)
            return &user;
    }
    return nullptr;
}

const Fault* EpmmServer::take_fault(const std::string& api_path,
                                    std::initializer_list<const char*> kinds) {
    std::lock_guard lock(faults_mutex_);
    for (std::size_t i = 0; i < config_.faults.size(); ++i) {
        const Fault& fault = config_.faults[i];
        if (std::find_if(kinds.begin(), kinds.end(),
                         [&](const char* k) { return fault.kind == k; }) == kinds.end()) {
            continue;
        }
        if (!fault.path.empty() && fault.path != api_path)
            continue;
        if (fault.count >= 0 && fault_uses_[i] >= fault.count)
            continue;
        ++fault_uses_[i];
        return &fault;
    }
    return nullptr;
}

void EpmmServer::apply_delays(const std::string& api_path) {
    std::int64_t total = 0;
    {
        std::lock_guard lock(faults_mutex_);
        for (std::size_t i = 0; i < config_.faults.size(); ++i) {
            const Fault& fault = config_.faults[i];
            if (fault.kind != "delay" || (!fault.path.empty() && fault.path != api_path))
                continue;
            if (fault.count >= 0 && fault_uses_[i] >= fault.count)
                continue;
            ++fault_uses_[i];
            total += fault.ms;
        }
    }
    if (total > 0)
        wait_for_stop(total);
}

void EpmmServer::fault_reply(const Fault& fault, const httplib::Request& request,
                             httplib::Response& response) {
    if (fault.kind == "hang") {
        // Accepted and read, never answered: the client's timeout has to end it.
        log_request(request, 0, "hang");
        while (!wait_for_stop(1000)) {
        }
        response.status = 503;
        return;
    }
    if (fault.kind == "status") {
        response.status = fault.status;
        if (fault.retry_after >= 0) {
            response.set_header("Retry-After", std::to_string(fault.retry_after));
        }
        if (fault.body == "html") {
            response.set_content(html_page(fault.status, reason(fault.status)), "text/html");
        } else if (fault.body == "json") {
            response.set_content(error_body(fault.status, reason(fault.status)),
                                 "application/json");
        }
        log_request(request, fault.status, "status");
        return;
    }
    if (fault.kind == "redirect") {
        response.status = fault.status;
        response.set_header("Location", fault.location + request.target);
        log_request(request, fault.status, "redirect");
        return;
    }
    if (fault.kind == "huge") {
        // Valid JSON, only far too big: {"results":[],"padding":"xxx...x"}
        const std::string head = R"({"results":[],"totalCount":0,"padding":")";
        const std::string tail = "\"}";
        const std::uint64_t size = std::max<std::uint64_t>(fault.bytes, head.size() + tail.size());
        log_request(request, 200, "huge");
        response.status = 200;
        response.set_content_provider(
            size, "application/json",
            [head, tail, size](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                static const std::string filler(65536, 'x');
                std::string chunk;
                std::size_t end =
                    std::min<std::size_t>(offset + std::min<std::size_t>(length, 65536), size);
                for (std::size_t at = offset; at < end;) {
                    if (at < head.size()) {
                        std::size_t n = std::min(end, head.size()) - at;
                        chunk.append(head, at, n);
                        at += n;
                    } else if (at >= size - tail.size()) {
                        std::size_t from = at - (size - tail.size());
                        chunk.append(tail, from, end - at);
                        at = end;
                    } else {
                        std::size_t n = std::min<std::size_t>(end, size - tail.size()) - at;
                        chunk.append(filler, 0, n);
                        at += n;
                    }
                }
                return sink.write(chunk.data(), chunk.size());
            });
        return;
    }
    if (fault.kind == "endless") {
        log_request(request, 200, "endless");
        response.status = 200;
        const std::int64_t interval = fault.interval_ms;
        response.set_chunked_content_provider(
            "application/json", [this, interval](std::size_t offset, httplib::DataSink& sink) {
                if (offset == 0)
                    return sink.write("{\"results\":[", 12);
                if (wait_for_stop(interval))
                    return false;
                return sink.write(" ", 1);
            });
        return;
    }
}

void EpmmServer::log_request(const httplib::Request& request, int status, const char* fault) {
    if (!log_.is_open())
        return;
    json line{{"time_ms", now_ms()},
              {"method", request.method},
              {"path", request.path},
              {"query", query_string(request)},
              {"status", status},
              {"authorization", request.has_header("Authorization")},
              {"fault", fault ? json(fault) : json(nullptr)}};
    std::lock_guard lock(log_mutex_);
    // Replace, not throw: a client may send any bytes in the path.
    log_ << line.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
    log_.flush();
}

}  // namespace epmm_sim
