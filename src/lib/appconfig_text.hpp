// Text helpers shared by the spec-file checker: encodings, line numbers, edit distance.
// Internal to the library.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tectl::appconfig::detail {

enum class Utf16 { none, little_endian, big_endian };

struct Utf16Detection {
    Utf16 order = Utf16::none;
    bool bom = false;
};

// Recognises UTF-16 by its byte-order mark, or without one by a zero byte next to the first '<'
// or whitespace character (an XML file's first character is ASCII).
Utf16Detection detect_utf16(std::string_view bytes);

// Converts UTF-16 (without its byte-order mark) to UTF-8, replacing broken surrogates with U+FFFD.
std::string utf16_to_utf8(std::string_view bytes, Utf16 order);

// Offset of the first byte that is not part of a valid UTF-8 sequence, if any.
std::optional<std::size_t> first_invalid_utf8(std::string_view text);

// Maps byte offsets to 1-based line numbers; "\n", "\r\n" and a lone "\r" each end a line.
class LineMap {
  public:
    explicit LineMap(std::string_view text);
    int line_of(std::size_t offset) const;

  private:
    std::vector<std::size_t> line_starts_;
};

// Optimal string alignment distance: insertions, deletions, substitutions and swaps of
// neighbours each cost one.
std::size_t edit_distance(std::string_view a, std::string_view b);

std::string to_lower(std::string_view text);
std::string to_upper(std::string_view text);
std::string_view trim(std::string_view text);

}  // namespace tectl::appconfig::detail
