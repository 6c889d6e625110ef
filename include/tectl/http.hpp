// A small HTTP interface. The EPMM client speaks to a Transport: libcurl in production, a fake in
// unit tests. A transport failure is thrown as http::TransportError, an Error of kind network
// whose reason tells DNS, connect, timeout and the different TLS failures apart, so that callers
// can decide what to retry and admins read what actually went wrong.
//
// A Transport is not thread-safe: one per thread.
#pragma once

#include "tectl/error.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tectl::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
    std::string method = "GET";
    std::string url;  // absolute https:// URL; the query is already percent-encoded
    Headers headers;
    std::string body;
};

struct Response {
    long status = 0;
    std::map<std::string, std::string> headers;  // names lower-case; a repeated header: the last
    std::string body;
    std::chrono::milliseconds elapsed{0};

    // The header's value, or "" when absent; `name` in lower case.
    std::string header(const std::string& name) const;
};

// Adds one raw header line of an answer ("Name: value\r\n") to `headers`, the name in lower
// case; a status line ("HTTP/1.1 200 OK") starts a new answer and clears what came before.
void record_header_line(std::string_view line, std::map<std::string, std::string>& headers);

enum class FailureReason {
    dns,                   // the host name does not resolve
    connect,               // TCP connect refused or unreachable
    timeout,               // no complete answer within the timeout
    tls_name_mismatch,     // the certificate is for another host name
    tls_unknown_root,      // self-signed or issued by a CA that is not trusted
    tls_incomplete_chain,  // the server omits the intermediate CA certificate
    tls_expired,           // a certificate of the chain is expired (or not yet valid)
    tls_handshake,         // any other TLS failure (no TLS on that port, protocol mismatch)
    ca_file,               // the CA bundle cannot be read
    proxy,                 // the proxy refused, failed or wants credentials (407)
    redirect,              // the server redirected; never followed with credentials
    too_large,             // the response body exceeds the cap
    connection,            // the connection broke mid-request
    other
};

// A stable lower-case name ("dns", "tls_unknown_root", ...).
std::string_view reason_name(FailureReason reason);

class TransportError : public Error {
  public:
    TransportError(FailureReason reason, std::string message, std::string hint = {});
    FailureReason reason() const noexcept { return reason_; }

  private:
    FailureReason reason_;
};

class Transport {
  public:
    virtual ~Transport() = default;

    // Sends one request and returns the server's answer, whatever its status. Throws
    // TransportError when no answer arrives (or a redirect or an oversized body does).
    virtual Response perform(const Request& request) = 0;
};

struct TlsOptions {
    std::string cacert;     // CA bundle that alone is trusted; empty: environment, then system
    bool insecure = false;  // no verification at all (explicit; warned on every use)
};

struct Timeouts {
    std::chrono::milliseconds connect{10000};
    std::chrono::milliseconds total{30000};  // the whole request, connect included
};

// Connect timeout bounded by the total: `--timeout 3` must not wait 10 s for a connect.
Timeouts timeouts_for(std::chrono::milliseconds total);

struct TransportOptions {
    TlsOptions tls;
    Timeouts timeouts;
    std::size_t max_body_bytes = std::size_t{64} << 20;
    // Set (e.g. on SIGINT) to abort the request in flight, within about a second even when the
    // server sends nothing: perform() then throws Error(interrupted), not a TransportError.
    const std::atomic<bool>* cancel = nullptr;
};

// Where the trusted CA certificates come from: the integration's bundle, else SSL_CERT_FILE /
// SSL_CERT_DIR (libcurl does not read those itself), else the system store.
struct CaSource {
    enum class Kind { cacert, environment, system, none };
    Kind kind = Kind::system;
    std::string file;  // CA bundle file, when one is used
    std::string dir;   // hashed CA directory, when one is used

    std::string describe() const;  // for -v and the TLS check's detail
};

CaSource choose_ca_source(const TlsOptions& tls);

// The proxy libcurl uses for an https URL to `host`: https_proxy, HTTPS_PROXY, all_proxy,
// ALL_PROXY, unless no_proxy / NO_PROXY covers the host. Credentials in the URL are removed.
struct ProxyChoice {
    std::string url;       // without user:password
    std::string variable;  // the environment variable it came from
    std::string host;
    int port = 1080;
    bool has_credentials = false;  // the variable's URL carries user:password
};

std::optional<ProxyChoice> proxy_for(std::string_view host);

// The libcurl transport. It lives in the module tectl-https.so, loaded on the first call (see
// https_module.hpp); throws Error(failure) when the module cannot be loaded.
std::unique_ptr<Transport> make_curl_transport(const TransportOptions& options);

// A TLS handshake alone (no HTTP request), verified exactly as the transport verifies, for the
// configuration test. Throws TransportError; returns what was verified.
struct TlsReport {
    std::string protocol;  // e.g. "TLSv1.3"
    std::string subject;   // the server certificate's subject
    std::string issuer;
    std::string not_after;  // e.g. "Jan  1 00:00:00 2030 GMT"
    bool verified = false;  // false with insecure
    std::string ca_source;
    std::chrono::milliseconds elapsed{0};
};

TlsReport check_tls(const std::string& host, int port, const TransportOptions& options);

// RFC 3986 percent-encoding of everything but the unreserved characters (space is "%20").
std::string percent_encode(std::string_view text);

// "a=1&b=two%20words" from pairs; names and values are encoded.
std::string build_query(const std::vector<std::pair<std::string, std::string>>& parameters);

// "https://host[:port]" with IPv6 literals bracketed and the default port left out.
std::string origin(const std::string& host, int port);

}  // namespace tectl::http
