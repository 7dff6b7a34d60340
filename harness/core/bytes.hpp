// Showing bytes to a student: escaped previews, hex dumps and sizes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sockgrade {

// C-style escaped text of at most `max` input bytes ("hello\n\x00\xff"), followed by
// "… (+N bytes)" when truncated. Safe to print on any terminal.
std::string escape_preview(std::string_view bytes, std::size_t max = 64);

// Classic 16-bytes-a-line hex dump of at most `max` bytes, starting at `offset`.
std::string hex_dump(std::string_view bytes, std::size_t offset = 0, std::size_t max = 64);

// "17 B", "4.0 KiB", "8.0 MiB".
std::string format_bytes(uint64_t n);

// A configured size, exact when it is a whole number of units: "256 MiB", "1 GiB", "1536 B";
// otherwise as format_bytes.
std::string format_size(uint64_t n);

// Offset of the first byte where a and b differ, or the shorter length if one is a prefix of
// the other, or npos if they are equal.
std::size_t first_difference(std::string_view a, std::string_view b);

}  // namespace sockgrade
