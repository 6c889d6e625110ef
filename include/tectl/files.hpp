// Small file primitives shared by the state store, the spec-file writer and the device index.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace tectl {

// Writes `content` to a temporary file beside `path`, fsyncs it, renames it over `path` and
// fsyncs the directory: readers see the old file or the new one, never a torn one.
void write_file_atomic(const std::filesystem::path& path, std::string_view content,
                       unsigned mode = 0644);

// The whole file, or nullopt when it does not exist. Throws Error when it cannot be read or is
// larger than `max_bytes` (`what` names the file in the message: "state file").
std::optional<std::string> read_file_limited(const std::filesystem::path& path,
                                             std::uintmax_t max_bytes, std::string_view what);

// Appends one line with a single write(2) on an O_APPEND descriptor (0600 when created).
void append_line(const std::filesystem::path& path, std::string_view line);

}  // namespace tectl
