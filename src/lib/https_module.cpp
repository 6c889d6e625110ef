// Finds and opens tectl-https.so, once per process.
#include "tectl/https_module.hpp"

#include "tectl/log.hpp"

#include <fmt/format.h>

#include <dlfcn.h>

#include <filesystem>
#include <system_error>
#include <vector>

// Defined only where the transport is linked in; otherwise null, and the module is opened.
#pragma weak tectl_https_module

namespace tectl::http {
namespace {

constexpr const char* module_file = "tectl-https.so";

std::vector<std::filesystem::path> module_candidates() {
    std::error_code ec;
    auto program = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec)
        return {};
    auto directory = program.parent_path();
    std::vector<std::filesystem::path> candidates{directory / module_file};
#ifdef TECTL_HTTPS_MODULE_DIR
    // The installed layout, relative to the program's directory (e.g. "../lib/tectl").
    candidates.push_back((directory / TECTL_HTTPS_MODULE_DIR / module_file).lexically_normal());
#endif
    return candidates;
}

const HttpsModule& checked(const HttpsModule* module, const std::string& where) {
    if (!module || module->abi != module_abi || std::string_view(module->version) != TECTL_VERSION)
        throw Error(ErrorKind::failure,
                    fmt::format("{} belongs to another build of tectl (version {}, interface {}; "
                                "this program: {}, {})",
                                where, module ? module->version : "unknown",
                                module ? module->abi : 0, TECTL_VERSION, module_abi),
                    "install the tectl-https.so that came with this program");
    return *module;
}

const HttpsModule& open_module() {
    if (tectl_https_module)
        return *tectl_https_module();

    auto candidates = module_candidates();
    std::string looked;
    for (const auto& path : candidates) {
        looked += (looked.empty() ? "" : ", ") + path.string();
        std::error_code ec;
        auto status = std::filesystem::status(path, ec);
        if (!std::filesystem::exists(status))
            continue;
        if (!std::filesystem::is_regular_file(status)) {  // a directory, or a FIFO that would block
            looked += " (not a file)";
            continue;
        }
        // Never closed: libcurl and OpenSSL are not made to be unloaded.
        void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
        if (!handle) {
            const char* error = dlerror();
            std::string why = error ? error : "unknown reason";
            // A library of its own that is missing, a module this user may not read, or a
            // module that does not fit this program.
            bool library_missing = why.find("cannot open shared object") != std::string::npos &&
                                   why.find(module_file) == std::string::npos;
            bool unreadable = why.find("Permission denied") != std::string::npos;
            throw Error(ErrorKind::failure,
                        fmt::format("cannot load tectl's HTTPS module {}: {}", path.string(), why),
                        library_missing ? "install libcurl and OpenSSL (apt-get install libcurl4 "
                                          "libssl3)"
                        : unreadable    ? "make the module readable by this user (it is "
                                          "installed with mode 0644)"
                                        : "reinstall tectl: the module must come from the same "
                                          "build as the program");
        }
        auto entry =
            reinterpret_cast<const HttpsModule* (*)()>(dlsym(handle, "tectl_https_module"));
        if (!entry)
            throw Error(ErrorKind::failure, path.string() + " is not tectl's HTTPS module",
                        "reinstall tectl");
        log::debug("HTTPS transport: " + path.string());
        return checked(entry(), path.string());
    }
    throw Error(ErrorKind::failure,
                "tectl's HTTPS module " + std::string(module_file) + " is missing (looked for " +
                    (looked.empty() ? std::string("it beside the program") : looked) + ")",
                "reinstall tectl: the module is installed with the program, and every command "
                "that reaches EPMM needs it");
}

}  // namespace

const HttpsModule& https_module() {
    // A failed load throws out of the initialiser, so the next call tries again.
    static const HttpsModule& module = open_module();
    return module;
}

std::unique_ptr<Transport> make_curl_transport(const TransportOptions& options) {
    return https_module().make_transport(options);
}

TlsReport check_tls(const std::string& host, int port, const TransportOptions& options) {
    return https_module().check_tls(host, port, options);
}

}  // namespace tectl::http
