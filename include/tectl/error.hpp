// The one error type of the library. Its kind decides the program's exit code, so every
// failure a user can meet is thrown as a tectl::Error with the kind that describes it.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace tectl {

enum class ErrorKind {
    failure = 1,       // anything not listed below
    usage = 2,         // bad flag, bad value, missing input
    not_found = 3,     // integration or device unknown
    auth = 4,          // EPMM rejected the credentials, or the role or space is missing
    network = 5,       // DNS, connect, TLS, timeout, EPMM server error
    conflict = 6,      // the state forbids the change
    interrupted = 130  // SIGINT (the program exits 143 when SIGTERM was the cause)
};

// The process exit code for an error kind.
int exit_code(ErrorKind kind);

// A stable lower-case name for the kind, used in --json output ("usage", "not_found", ...).
std::string_view kind_name(ErrorKind kind);

class Error : public std::runtime_error {
  public:
    // `message` says what is wrong; `hint` says what to do about it (may be empty).
    Error(ErrorKind kind, std::string message, std::string hint = {});

    ErrorKind kind() const noexcept { return kind_; }
    const std::string& hint() const noexcept { return hint_; }

  private:
    ErrorKind kind_;
    std::string hint_;
};

}  // namespace tectl
