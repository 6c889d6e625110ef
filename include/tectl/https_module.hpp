// The HTTPS transport is a module, tectl-https.so, that the program opens on first use: libcurl
// and the thirty-odd libraries it pulls in take longer to load than `tectl list` takes to run,
// and most commands never reach EPMM. The module is built from the same tree as the program and
// speaks C++ to it; the program exports the tectl symbols the module calls (the log, the error
// types), so both share one log and one set of error types.
//
// Programs that link the transport in (the test suite) use it directly; the program looks for
// the module beside its executable (the build tree), then in the installed library directory.
#pragma once

#include "tectl/http.hpp"

#include <memory>
#include <string>

namespace tectl::http {

// Raised whenever the table below or a type it passes changes shape.
inline constexpr int module_abi = 1;

struct HttpsModule {
    int abi;
    const char* version;  // TECTL_VERSION of the build
    std::unique_ptr<Transport> (*make_transport)(const TransportOptions& options);
    TlsReport (*check_tls)(const std::string& host, int port, const TransportOptions& options);
};

// The loaded module; throws Error(failure) saying which file is missing or why it did not load.
const HttpsModule& https_module();

}  // namespace tectl::http

// The module's one entry point, looked up by name.
extern "C" const tectl::http::HttpsModule* tectl_https_module();
