#include "epmm_access.hpp"

#include "tectl/error.hpp"
#include "tectl/http.hpp"
#include "tectl/log.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>

namespace tectl::cli {

EpmmAccess connect_epmm(Context& ctx, const Integration& integration) {
    const EpmmSettings& epmm = integration.epmm;
    if (epmm.host.empty() || epmm.user.empty()) {
        throw Error(ErrorKind::conflict,
                    fmt::format("integration {} has no EPMM {} yet", integration.name,
                                epmm.host.empty() ? "host" : "API user"),
                    fmt::format("run `tectl configure {} --epmm-host HOST --epmm-user USER "
                                "--epmm-password-file FILE`",
                                integration.name));
    }

    std::optional<std::string> password = ctx.store().password(integration.id);
    if (!password) {
        if (const char* env = std::getenv("TECTL_EPMM_PASSWORD"); env && *env)
            password = env;
    }
    if (!password) {
        throw Error(ErrorKind::usage,
                    fmt::format("no EPMM password is stored for integration {}", integration.name),
                    fmt::format("run `tectl configure {} --epmm-password-file FILE`, or set "
                                "TECTL_EPMM_PASSWORD",
                                integration.name));
    }
    log::add_secret(*password);

    http::TransportOptions transport;
    transport.tls.cacert = epmm.cacert;
    transport.tls.insecure = epmm.insecure;
    transport.timeouts = http::timeouts_for(
        std::chrono::milliseconds(static_cast<std::int64_t>(ctx.global.timeout * 1000)));
    // Only set inside a CancellableScope; elsewhere a signal ends the process at once.
    transport.cancel = &interrupted();
    epmm::ClientOptions client_options;
    client_options.cancel = &interrupted();

    EpmmAccess access;
    access.client = std::make_unique<epmm::Client>(
        http::make_curl_transport(transport),
        epmm::Endpoint{epmm.host, epmm.port, epmm.user, *password}, std::move(client_options));
    access.devices = epmm_device_source(*access.client);
    return access;
}

}  // namespace tectl::cli
