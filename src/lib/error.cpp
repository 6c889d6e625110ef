#include "tectl/error.hpp"

namespace tectl {

int exit_code(ErrorKind kind) {
    return static_cast<int>(kind);
}

std::string_view kind_name(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::failure:
            return "failure";
        case ErrorKind::usage:
            return "usage";
        case ErrorKind::not_found:
            return "not_found";
        case ErrorKind::auth:
            return "auth";
        case ErrorKind::network:
            return "network";
        case ErrorKind::conflict:
            return "conflict";
        case ErrorKind::interrupted:
            return "interrupted";
    }
    return "failure";
}

Error::Error(ErrorKind kind, std::string message, std::string hint)
    : std::runtime_error(std::move(message)), kind_(kind), hint_(std::move(hint)) {}

}  // namespace tectl
