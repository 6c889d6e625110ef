// A module with tectl-https.so's entry point but another interface number, as a module left
// from another build of tectl would have: the program must refuse it before calling into it.
#include "tectl/https_module.hpp"

extern "C" const tectl::http::HttpsModule* tectl_https_module() {
    static const tectl::http::HttpsModule module{tectl::http::module_abi + 1, "0.0.1", nullptr,
                                                 nullptr};
    return &module;
}
