// Diagnostics of the library go through one pluggable sink, never straight to a terminal.
//
// Redaction happens here, at the sink, so no caller can forget it: every registered secret and
// the value of any `Authorization:` header are replaced before a message reaches the sink.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace tectl::log {

enum class Level { debug, info, warning };

using Sink = std::function<void(Level, std::string_view)>;

// Installs the sink (the program's stderr writer; tests capture). An empty sink drops all.
void set_sink(Sink sink);

// Debug messages are built only when enabled (-v).
void set_debug(bool enabled);
bool debug_enabled();

// Registers a value that must never be logged (a password, a Basic token).
void add_secret(std::string secret);

// Returns `text` with every registered secret and Authorization header value masked.
std::string redact(std::string_view text);

void write(Level level, std::string_view message);

inline void debug(std::string_view message) {
    if (debug_enabled())
        write(Level::debug, message);
}
inline void info(std::string_view message) {
    write(Level::info, message);
}
inline void warning(std::string_view message) {
    write(Level::warning, message);
}

}  // namespace tectl::log
