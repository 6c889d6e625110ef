// Reaching EPMM with an integration's stored settings, for the commands that read devices.
#pragma once

#include "context.hpp"

#include "tectl/device_source.hpp"
#include "tectl/epmm_client.hpp"

#include <memory>

namespace tectl::cli {

struct EpmmAccess {
    std::unique_ptr<epmm::Client> client;
    std::unique_ptr<DeviceSource> devices;  // reads through `client`
};

// The client for `integration`: its host, port, user, CA bundle and TLS setting, the stored
// password (else TECTL_EPMM_PASSWORD) and --timeout. Throws Error(conflict) when the integration
// has no EPMM host or user yet, Error(usage) when there is no password.
EpmmAccess connect_epmm(Context& ctx, const Integration& integration);

}  // namespace tectl::cli
