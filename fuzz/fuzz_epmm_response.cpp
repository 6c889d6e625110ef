// What an EPMM server (or whatever answers in its place: a proxy, a captive portal, a broken
// load balancer) sends back. The first two bytes choose the call and the status; the rest is the
// body. Every call must either return or throw tectl::Error, and the error-body summary, the
// UTF-8 repair and the Retry-After reader must accept any bytes.
#include "harness.hpp"

#include "tectl/epmm_client.hpp"
#include "tectl/http.hpp"
#include "tectl/retry.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <memory>
#include <string>

namespace {

using namespace tectl;

class CannedTransport : public http::Transport {
  public:
    explicit CannedTransport(http::Response response) : response_(std::move(response)) {}
    http::Response perform(const http::Request&) override { return response_; }

  private:
    http::Response response_;
};

constexpr std::array<long, 10> kStatuses = {200, 200, 200, 200, 400, 401, 403, 404, 429, 500};
constexpr std::array<const char*, 4> kContentTypes = {"application/json", "text/html", "",
                                                      "application/json; charset=utf-8"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2)
        return 0;
    int call = data[0] % 4;
    long status = kStatuses[data[1] % kStatuses.size()];
    const char* content_type = kContentTypes[(data[1] / kStatuses.size()) % kContentTypes.size()];
    std::string body(fuzz::text(data + 2, size - 2));

    fuzz::expect_only_errors([&] {
        std::string summary = epmm::describe_error_body(body, content_type);
        fuzz::require(summary.find('\n') == std::string::npos, "a multi-line error summary");
    });
    std::string repaired = epmm::sanitize_utf8(body);
    try {
        (void)nlohmann::json(repaired).dump();  // strict: throws on invalid UTF-8
    } catch (const nlohmann::json::exception&) {
        fuzz::require(false, "sanitize_utf8 left invalid UTF-8");
    }

    // The body doubles as a Retry-After header: seconds, an HTTP date or anything else.
    if (auto wait = http::parse_retry_after(body))
        fuzz::require(wait->count() >= 0, "a negative Retry-After wait");

    http::Response response;
    response.status = status;
    response.headers["content-type"] = content_type;
    response.body = body;
    epmm::Endpoint endpoint{"epmm.example.com", 443, "api@example.com", "canary-password"};
    epmm::ClientOptions options;
    options.retry.max_attempts = 1;
    options.random = [] { return 0.0; };
    options.sleep = [](std::chrono::milliseconds) {};
    epmm::Client client(std::make_unique<CannedTransport>(response), endpoint, options);

    fuzz::expect_only_errors([&] {
        switch (call) {
            case 0:
                (void)client.ping();
                break;
            case 1:
                for (const auto& space : client.my_spaces())
                    (void)nlohmann::json(space.name).dump();  // strict: names are valid UTF-8
                break;
            case 2: {
                epmm::DeviceQuery query;
                query.fields = {"common.uuid", "common.platform", "common.model"};
                auto page = client.devices(query);
                for (const auto& device : page.results) {
                    fuzz::require(device.is_object(), "a device that is not an object");
                    (void)device.dump();  // strict: device fields must be valid UTF-8 by now
                }
                break;
            }
            default:
                (void)client.count(1, "");
        }
    });
    return 0;
}
