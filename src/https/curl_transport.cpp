// The libcurl transport, built as the module tectl-https.so that the program loads only when a
// command reaches EPMM (see https_module.hpp): libcurl and the libraries it needs cost several
// milliseconds to load, which commands that stay offline should not pay.
//
// TLS verification failures are told apart with a verify callback installed through
// CURLOPT_SSL_CTX_FUNCTION (libcurl built with OpenSSL): it records which certificate of the
// chain failed and why, which libcurl's own error text does not say.
#include "tectl/http.hpp"
#include "tectl/https_module.hpp"

#include "tectl/log.hpp"

#include <curl/curl.h>
#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>

namespace tectl::http {

// ---- what the verify callback learns -----------------------------------------------------------

namespace {

struct ChainInfo {
    int error = X509_V_OK;  // the first verification error
    int error_depth = -1;
    std::string error_subject;
    std::string error_issuer;
    std::string error_not_after;
    bool error_cert_is_ca = false;
    int presented = 0;  // certificates the server sent
    std::string protocol;

    std::string leaf_subject;
    std::string leaf_issuer;
    std::string leaf_not_after;
    std::vector<std::string> leaf_names;  // subjectAltName DNS and IP entries, else the CN
};

std::string name_text(const X509_NAME* name) {
    if (!name)
        return {};
    int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (index >= 0) {
        const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
        unsigned char* utf8 = nullptr;
        int length = ASN1_STRING_to_UTF8(&utf8, data);
        if (length >= 0) {
            std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(length));
            OPENSSL_free(utf8);
            return "CN=" + out;
        }
    }
    char buffer[512];
    X509_NAME_oneline(name, buffer, sizeof buffer);
    return buffer;
}

std::string time_text(const ASN1_TIME* time) {
    if (!time)
        return {};
    BIO* bio = BIO_new(BIO_s_mem());
    if (!bio)
        return {};
    ASN1_TIME_print(bio, time);
    char* data = nullptr;
    long length = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(std::max(length, 0L)));
    BIO_free(bio);
    return out;
}

std::vector<std::string> certificate_names(X509* cert) {
    std::vector<std::string> names;
    auto* alt =
        static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
    if (alt) {
        for (int i = 0; i < sk_GENERAL_NAME_num(alt); ++i) {
            const GENERAL_NAME* entry = sk_GENERAL_NAME_value(alt, i);
            if (entry->type == GEN_DNS) {
                const ASN1_STRING* s = entry->d.dNSName;
                names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                   static_cast<std::size_t>(ASN1_STRING_length(s)));
            } else if (entry->type == GEN_IPADD) {
                const ASN1_OCTET_STRING* ip = entry->d.iPAddress;
                const unsigned char* b = ASN1_STRING_get0_data(ip);
                if (ASN1_STRING_length(ip) == 4)
                    names.push_back(fmt::format("{}.{}.{}.{}", b[0], b[1], b[2], b[3]));
                else
                    names.emplace_back("an IPv6 address");
            }
        }
        GENERAL_NAMES_free(alt);
    }
    if (names.empty()) {
        std::string cn = name_text(X509_get_subject_name(cert));
        if (cn.starts_with("CN="))
            names.push_back(cn.substr(3));
    }
    return names;
}

int chain_info_index() {
    static int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

int record_verification(int preverify_ok, X509_STORE_CTX* store) {
    auto* ssl =
        static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    auto* info =
        ssl ? static_cast<ChainInfo*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), chain_info_index()))
            : nullptr;
    if (!info)
        return preverify_ok;

    if (info->protocol.empty())
        info->protocol = SSL_get_version(ssl);
    X509* cert = X509_STORE_CTX_get_current_cert(store);
    int depth = X509_STORE_CTX_get_error_depth(store);
    if (STACK_OF(X509)* sent = X509_STORE_CTX_get0_untrusted(store))
        info->presented = sk_X509_num(sent);
    if (cert && depth == 0 && info->leaf_subject.empty()) {
        info->leaf_subject = name_text(X509_get_subject_name(cert));
        info->leaf_issuer = name_text(X509_get_issuer_name(cert));
        info->leaf_not_after = time_text(X509_get0_notAfter(cert));
        info->leaf_names = certificate_names(cert);
    }
    if (!preverify_ok && info->error == X509_V_OK) {
        info->error = X509_STORE_CTX_get_error(store);
        info->error_depth = depth;
        if (cert) {
            info->error_subject = name_text(X509_get_subject_name(cert));
            info->error_issuer = name_text(X509_get_issuer_name(cert));
            info->error_not_after = time_text(X509_get0_notAfter(cert));
            info->error_cert_is_ca = X509_check_ca(cert) > 0;
        }
    }
    return preverify_ok;
}

CURLcode install_verify_callback(CURL*, void* ssl_ctx, void* data) {
    auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
    SSL_CTX_set_ex_data(ctx, chain_info_index(), data);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, record_verification);
    return CURLE_OK;
}

void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Handle {
    CURL* curl = nullptr;
    Handle() {
        global_init();
        curl = curl_easy_init();
        if (!curl)
            throw Error(ErrorKind::failure, "libcurl could not create a handle");
    }
    ~Handle() { curl_easy_cleanup(curl); }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
};

std::string seconds_text(std::chrono::milliseconds ms) {
    if (ms.count() % 1000 == 0)
        return fmt::format("{} s", ms.count() / 1000);
    return fmt::format("{:.1f} s", static_cast<double>(ms.count()) / 1000.0);
}

// Options shared by requests and the TLS check.
void configure(CURL* curl, const TransportOptions& options, const CaSource& ca, ChainInfo* info,
               char* errors) {
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errors);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options.timeouts.connect.count()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeouts.total.count()));
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "tectl/" TECTL_VERSION);

    if (ca.kind == CaSource::Kind::none) {
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
        return;
    }
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    if (ca.kind != CaSource::Kind::system) {
        // Only the chosen source is trusted: the integration's bundle replaces the system store.
        curl_easy_setopt(curl, CURLOPT_CAINFO, ca.file.empty() ? nullptr : ca.file.c_str());
        curl_easy_setopt(curl, CURLOPT_CAPATH, ca.dir.empty() ? nullptr : ca.dir.c_str());
    }
    curl_easy_setopt(curl, CURLOPT_SSL_CTX_FUNCTION, install_verify_callback);
    curl_easy_setopt(curl, CURLOPT_SSL_CTX_DATA, info);
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items)
        out += (out.empty() ? "" : ", ") + item;
    return out;
}

const char* const ca_hint =
    "give the integration the CA bundle that issued EPMM's certificate (a PEM file with the root "
    "and any intermediate CA), or fix the chain EPMM serves";

TransportError tls_error(const ChainInfo& info, long verify_result, const std::string& host,
                         const std::string& curl_text, const CaSource& ca) {
    std::string trusted = "; trusted: " + ca.describe();
    long code = info.error != X509_V_OK ? info.error : verify_result;
    // The chain passed OpenSSL, so what failed is libcurl's own host name check, which reports
    // X509_V_ERR_UNSPECIFIED.
    if (info.error == X509_V_OK && !info.leaf_subject.empty() &&
        (code == X509_V_ERR_UNSPECIFIED || code == X509_V_OK))
        code = X509_V_ERR_HOSTNAME_MISMATCH;

    switch (code) {
        case X509_V_ERR_HOSTNAME_MISMATCH:
            return TransportError(
                FailureReason::tls_name_mismatch,
                fmt::format("TLS: the certificate of {} is for {}, not for {}", host,
                            info.leaf_names.empty() ? "another name" : join(info.leaf_names), host),
                "use the host name that EPMM's certificate names, or have the certificate "
                "reissued with this name");
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
            return TransportError(
                FailureReason::tls_unknown_root,
                fmt::format("TLS: {} presents a self-signed certificate ({}) that is not trusted{}",
                            host, info.error_subject, trusted),
                ca_hint);
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
            return TransportError(
                FailureReason::tls_unknown_root,
                fmt::format("TLS: the certificate of {} is issued by the unknown root CA {}{}",
                            host, info.error_subject, trusted),
                ca_hint);
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            if (info.error_cert_is_ca || info.error_depth > 0) {
                // The server sent its intermediate; what is missing is trust in the root above.
                return TransportError(
                    FailureReason::tls_unknown_root,
                    fmt::format("TLS: the certificate chain of {} ends at {}, issued by {}, a CA "
                                "that is not trusted{}",
                                host, info.error_subject, info.error_issuer, trusted),
                    ca_hint);
            }
            return TransportError(
                FailureReason::tls_incomplete_chain,
                fmt::format("TLS: {} sends its certificate without the intermediate CA "
                            "certificate that issued it ({}): the chain is incomplete{}",
                            host, info.error_issuer.empty() ? "unknown" : info.error_issuer,
                            trusted),
                "install the intermediate CA certificate on EPMM with its own certificate; if " +
                    (info.error_issuer.empty() ? std::string("its issuer") : info.error_issuer) +
                    " is itself your root CA, give the integration a CA bundle holding it");
        case X509_V_ERR_CERT_HAS_EXPIRED:
            return TransportError(FailureReason::tls_expired,
                                  fmt::format("TLS: the certificate {}{} of {} expired on {}",
                                              info.error_depth == 0 ? "" : "of the CA ",
                                              info.error_subject, host, info.error_not_after),
                                  "renew the certificate on EPMM");
        case X509_V_ERR_CERT_NOT_YET_VALID:
            return TransportError(FailureReason::tls_expired,
                                  fmt::format("TLS: the certificate {} of {} is not valid yet",
                                              info.error_subject, host),
                                  "check this machine's clock and the certificate's start date");
        default:
            return TransportError(
                FailureReason::tls_handshake,
                fmt::format("TLS: the certificate of {} failed verification: {} ({})", host,
                            X509_verify_cert_error_string(code), curl_text),
                ca_hint);
    }
}

// libcurl's text for a failed connect does not say why; the socket's errno does.
std::string connect_text(CURL* curl, const std::string& curl_text) {
    long os_errno = 0;
    curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno);
    if (os_errno == ECONNREFUSED)
        return "connection refused";
    if (os_errno == EHOSTUNREACH || os_errno == ENETUNREACH)
        return "host unreachable";
    if (os_errno != 0)
        return std::strerror(static_cast<int>(os_errno));
    if (curl_text.find("refused") != std::string::npos)
        return "connection refused";
    if (curl_text.find("o route") != std::string::npos ||
        curl_text.find("nreachable") != std::string::npos)
        return "host unreachable";
    return curl_text;
}

std::string proxy_credentials_hint(const std::optional<ProxyChoice>& proxy,
                                   const std::string& host) {
    if (proxy && proxy->has_credentials)
        return "the proxy refused the user and password in " + proxy->variable +
               "; check them (characters such as @ : / % must be percent-encoded)";
    return "put the proxy's user and password in its URL, or add " + host + " to no_proxy";
}

// Turns a failed curl_easy_perform into the error an admin can act on.
TransportError classify(CURL* curl, CURLcode code, const std::string& curl_text,
                        const std::string& host, int port, const std::optional<ProxyChoice>& proxy,
                        const ChainInfo& info, const CaSource& ca, const TransportOptions& options,
                        bool too_large) {
    long connect_code = 0;
    curl_easy_getinfo(curl, CURLINFO_HTTP_CONNECTCODE, &connect_code);
    std::string proxy_name = proxy ? proxy->url + " (" + proxy->variable + ")" : "";

    if (connect_code == 407)
        return TransportError(FailureReason::proxy,
                              "the proxy " + proxy_name + " requires authentication (407)",
                              proxy_credentials_hint(proxy, host));
    if (proxy && connect_code >= 300)
        return TransportError(FailureReason::proxy,
                              fmt::format("the proxy {} refused the tunnel to {}:{} ({})",
                                          proxy_name, host, port, connect_code),
                              "check the proxy's rules, or add " + host + " to no_proxy");
    // The proxy closed the connection or answered CONNECT with something that is not HTTP.
    if (proxy && connect_code == 0 && curl_text.find("CONNECT") != std::string::npos)
        return TransportError(FailureReason::proxy,
                              fmt::format("the proxy {} did not open a tunnel to {}:{}: {}",
                                          proxy_name, host, port, curl_text),
                              "check that " + proxy->url +
                                  " is an HTTP proxy that allows "
                                  "CONNECT, or add " +
                                  host + " to no_proxy");

    switch (code) {
        case CURLE_COULDNT_RESOLVE_HOST:
            return TransportError(FailureReason::dns, "the host name " + host + " does not resolve",
                                  "check the EPMM host name (the portal's name, such as "
                                  "epmm.example.com) and this machine's DNS");
        case CURLE_COULDNT_RESOLVE_PROXY:
            return TransportError(FailureReason::proxy,
                                  "the proxy " + proxy_name + " does not resolve",
                                  "check the proxy variables of the environment");
        case CURLE_COULDNT_CONNECT:
            if (proxy)
                return TransportError(FailureReason::proxy,
                                      "cannot connect to the proxy " + proxy_name + ": " +
                                          connect_text(curl, curl_text),
                                      "check the proxy, or add " + host + " to no_proxy");
            return TransportError(FailureReason::connect,
                                  fmt::format("cannot connect to {}:{}: {}", host, port,
                                              connect_text(curl, curl_text)),
                                  "check that EPMM listens on that port and that no firewall "
                                  "blocks this machine");
        case CURLE_OPERATION_TIMEDOUT: {
            // A reused connection has no connect time of its own, so a request that went out
            // also proves the connection stood.
            curl_off_t connected = 0;
            curl_easy_getinfo(curl, CURLINFO_CONNECT_TIME_T, &connected);
            long request_bytes = 0;
            curl_easy_getinfo(curl, CURLINFO_REQUEST_SIZE, &request_bytes);
            long status = 0;
            curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
            if (status > 0)
                return TransportError(
                    FailureReason::timeout,
                    fmt::format("{} began to answer ({}) but the answer did not end within {}",
                                host, status, seconds_text(options.timeouts.total)),
                    "something between tectl and EPMM (a proxy or load balancer) may hold the "
                    "answer open; raise the timeout if EPMM is just slow");
            if (connected == 0 && request_bytes == 0)
                return TransportError(
                    FailureReason::timeout,
                    fmt::format("connecting to {}:{} timed out after {}", host, port,
                                seconds_text(options.timeouts.connect)),
                    "a firewall may be dropping the connection; check the host and port");
            return TransportError(FailureReason::timeout,
                                  fmt::format("{} did not answer within {}", host,
                                              seconds_text(options.timeouts.total)),
                                  "check that EPMM is up; raise the timeout if it is just slow");
        }
        case CURLE_PEER_FAILED_VERIFICATION: {
            long verify_result = X509_V_OK;
            curl_easy_getinfo(curl, CURLINFO_SSL_VERIFYRESULT, &verify_result);
            return tls_error(info, verify_result, host, curl_text, ca);
        }
        case CURLE_SSL_CACERT_BADFILE:
            return TransportError(FailureReason::ca_file,
                                  "cannot read the CA certificates of " + ca.describe(),
                                  "give a readable PEM file");
        case CURLE_SSL_CONNECT_ERROR:
            return TransportError(
                FailureReason::tls_handshake,
                fmt::format("TLS handshake with {}:{} failed: {}", host, port, curl_text),
                "check that the port serves HTTPS (EPMM's API is on 443)");
        case CURLE_WRITE_ERROR:
        case CURLE_FILESIZE_EXCEEDED:
            if (too_large || code == CURLE_FILESIZE_EXCEEDED)
                return TransportError(FailureReason::too_large,
                                      fmt::format("the answer of {} exceeds {} MiB; refused", host,
                                                  options.max_body_bytes >> 20));
            break;
        case CURLE_GOT_NOTHING:
        case CURLE_RECV_ERROR:
        case CURLE_SEND_ERROR:
            return TransportError(FailureReason::connection,
                                  fmt::format("{} closed the connection: {}", host, curl_text),
                                  "check that the port serves EPMM, and any load balancer");
        default:
            break;
    }
    return TransportError(FailureReason::other,
                          fmt::format("request to {} failed: {}", host,
                                      curl_text.empty() ? curl_easy_strerror(code) : curl_text));
}

struct UrlParts {
    std::string host;
    int port = 443;
    std::string path;  // path and query
};

UrlParts split_url(const std::string& url) {
    UrlParts parts;
    std::string rest = url;
    if (auto pos = rest.find("://"); pos != std::string::npos)
        rest = rest.substr(pos + 3);
    auto slash = rest.find('/');
    std::string authority = rest.substr(0, slash);
    parts.path = slash == std::string::npos ? "/" : rest.substr(slash);
    if (!authority.empty() && authority.front() == '[') {
        auto close = authority.find(']');
        parts.host = authority.substr(1, close - 1);
        if (close + 1 < authority.size() && authority[close + 1] == ':')
            parts.port = std::atoi(authority.c_str() + close + 2);
    } else if (auto colon = authority.rfind(':'); colon != std::string::npos) {
        parts.host = authority.substr(0, colon);
        parts.port = std::atoi(authority.c_str() + colon + 1);
    } else {
        parts.host = authority;
    }
    return parts;
}

struct Body {
    std::string* out;
    std::size_t cap;
    bool too_large = false;
};

std::size_t write_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto* body = static_cast<Body*>(user);
    std::size_t bytes = size * count;
    if (body->out->size() + bytes > body->cap) {
        body->too_large = true;
        return 0;
    }
    body->out->append(data, bytes);
    return bytes;
}

// libcurl calls this often while data flows and about once a second while it waits.
int abort_when_cancelled(void* cancel, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<const std::atomic<bool>*>(cancel)->load() ? 1 : 0;
}

std::size_t write_header(char* data, std::size_t size, std::size_t count, void* user) {
    std::size_t bytes = size * count;
    record_header_line(std::string_view(data, bytes),
                       *static_cast<std::map<std::string, std::string>*>(user));
    return bytes;
}

class CurlTransport : public Transport {
  public:
    explicit CurlTransport(const TransportOptions& options)
        : options_(options), ca_(choose_ca_source(options.tls)) {
        if (ca_.kind == CaSource::Kind::cacert) {
            std::error_code ec;
            if (!std::filesystem::is_regular_file(ca_.file, ec))
                throw Error(ErrorKind::usage, "the CA bundle " + ca_.file + " does not exist",
                            "give the path of a PEM file holding EPMM's CA certificates");
        }
        if (ca_.kind == CaSource::Kind::none)
            log::warning(
                "TLS certificate verification is off (insecure): tectl cannot tell EPMM from an "
                "impostor and sends it the password all the same");
        log::debug("TLS: trusting " + ca_.describe());
        configure(handle_.curl, options_, ca_, &chain_, errors_);
        // gzip only: it is what EPMM's web tier offers, and brotli's default level costs a server
        // far more time per device page than the transfer it saves.
        curl_easy_setopt(handle_.curl, CURLOPT_ACCEPT_ENCODING, "gzip");
        curl_easy_setopt(handle_.curl, CURLOPT_MAXFILESIZE_LARGE,
                         static_cast<curl_off_t>(options_.max_body_bytes));
        if (options_.cancel) {
            curl_easy_setopt(handle_.curl, CURLOPT_NOPROGRESS, 0L);
            curl_easy_setopt(handle_.curl, CURLOPT_XFERINFOFUNCTION, abort_when_cancelled);
            curl_easy_setopt(handle_.curl, CURLOPT_XFERINFODATA, options_.cancel);
        }
    }

    Response perform(const Request& request) override {
        CURL* curl = handle_.curl;
        UrlParts url = split_url(request.url);
        auto proxy = proxy_for(url.host);
        if (logged_proxy_.insert(url.host).second)
            log::debug(proxy ? "proxy for " + url.host + ": " + proxy->url + " (from " +
                                   proxy->variable + ")"
                             : "proxy for " + url.host + ": none");

        Response response;
        Body body{&response.body, options_.max_body_bytes};
        chain_ = ChainInfo{};
        errors_[0] = '\0';

        curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
        if (request.method == "GET") {
            curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
        } else if (request.method == "HEAD") {
            curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
        } else {
            curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
            curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.c_str());
            curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                             static_cast<curl_off_t>(request.body.size()));
        }
        curl_slist* headers = curl_slist_append(nullptr, "Expect:");
        for (const auto& [name, value] : request.headers)
            headers = curl_slist_append(headers, (name + ": " + value).c_str());
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_body);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
        curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, write_header);
        curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);

        auto start = std::chrono::steady_clock::now();
        CURLcode code = curl_easy_perform(curl);
        response.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - start);
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
        curl_slist_free_all(headers);
        if (request.method != "GET" && request.method != "HEAD")
            curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, nullptr);

        if (code == CURLE_ABORTED_BY_CALLBACK && options_.cancel && options_.cancel->load()) {
            log::debug(fmt::format("{} {} -> interrupted after {} ms", request.method, url.path,
                                   response.elapsed.count()));
            throw Error(ErrorKind::interrupted, "interrupted during a request to " + url.host);
        }
        if (code != CURLE_OK) {
            auto error = classify(curl, code, errors_[0] ? errors_ : curl_easy_strerror(code),
                                  url.host, url.port, proxy, chain_, ca_, options_, body.too_large);
            log::debug(fmt::format("{} {} -> failed after {} ms: {}", request.method, url.path,
                                   response.elapsed.count(), error.what()));
            throw error;
        }

        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
        long connects = 0;
        curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &connects);
        log::debug(fmt::format("{} {} -> {} in {} ms ({})", request.method, url.path,
                               response.status, response.elapsed.count(),
                               connects > 0 ? "new connection" : "connection reused"));

        if (response.status == 407)
            throw TransportError(FailureReason::proxy,
                                 "the proxy " + (proxy ? proxy->url : std::string("in use")) +
                                     " requires authentication (407)",
                                 proxy_credentials_hint(proxy, url.host));
        if (response.status >= 300 && response.status < 400 && response.status != 304) {
            char* location = nullptr;
            curl_easy_getinfo(curl, CURLINFO_REDIRECT_URL, &location);
            std::string target = location ? split_url(location).host : "an unnamed location";
            throw TransportError(
                FailureReason::redirect,
                fmt::format("{} redirected {} {} to {} ({}); tectl does not follow redirects "
                            "with credentials",
                            url.host, request.method, url.path.substr(0, url.path.find('?')),
                            target, response.status),
                "give the host name of the EPMM portal itself (check the API prefix too)");
        }
        return response;
    }

  private:
    TransportOptions options_;
    CaSource ca_;
    Handle handle_;
    ChainInfo chain_;
    char errors_[CURL_ERROR_SIZE] = {};
    std::set<std::string> logged_proxy_;
};

std::unique_ptr<Transport> make_transport(const TransportOptions& options) {
    return std::make_unique<CurlTransport>(options);
}

TlsReport handshake(const std::string& host, int port, const TransportOptions& options) {
    CaSource ca = choose_ca_source(options.tls);
    if (ca.kind == CaSource::Kind::cacert) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(ca.file, ec))
            throw Error(ErrorKind::usage, "the CA bundle " + ca.file + " does not exist",
                        "give the path of a PEM file holding EPMM's CA certificates");
    }
    Handle handle;
    ChainInfo info;
    char errors[CURL_ERROR_SIZE] = {};
    configure(handle.curl, options, ca, &info, errors);
    curl_easy_setopt(handle.curl, CURLOPT_CONNECT_ONLY, 1L);
    curl_easy_setopt(handle.curl, CURLOPT_URL, (origin(host, port) + "/").c_str());
    auto proxy = proxy_for(host);

    auto start = std::chrono::steady_clock::now();
    CURLcode code = curl_easy_perform(handle.curl);
    TlsReport report;
    report.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    if (code != CURLE_OK)
        throw classify(handle.curl, code, errors[0] ? errors : curl_easy_strerror(code), host, port,
                       proxy, info, ca, options, false);

    report.verified = ca.kind != CaSource::Kind::none;
    report.ca_source = ca.describe();
    report.subject = info.leaf_subject;
    report.issuer = info.leaf_issuer;
    report.not_after = info.leaf_not_after;
    report.protocol = info.protocol;
    const curl_tlssessioninfo* session = nullptr;
    if (curl_easy_getinfo(handle.curl, CURLINFO_TLS_SSL_PTR, &session) == CURLE_OK && session &&
        session->backend == CURLSSLBACKEND_OPENSSL && session->internals) {
        auto* ssl = static_cast<SSL*>(session->internals);
        if (report.protocol.empty())
            report.protocol = SSL_get_version(ssl);
        if (report.subject.empty()) {
            if (X509* cert = SSL_get1_peer_certificate(ssl)) {
                report.subject = name_text(X509_get_subject_name(cert));
                report.issuer = name_text(X509_get_issuer_name(cert));
                report.not_after = time_text(X509_get0_notAfter(cert));
                X509_free(cert);
            }
        }
    }
    return report;
}

constexpr HttpsModule module{module_abi, TECTL_VERSION, make_transport, handshake};

}  // namespace

}  // namespace tectl::http

extern "C" const tectl::http::HttpsModule* tectl_https_module() {
    return &tectl::http::module;
}
