#include "core/bytes.hpp"

#include <algorithm>
#include <cstdio>

namespace sockgrade {

std::string escape_preview(std::string_view bytes, std::size_t max) {
  std::string out;
  std::size_t n = std::min(bytes.size(), max);
  for (std::size_t i = 0; i < n; ++i) {
    auto c = static_cast<unsigned char>(bytes[i]);
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\\': out += "\\\\"; break;
      default:
        if (c >= 0x20 && c < 0x7f) {
          out += static_cast<char>(c);
        } else {
          char buf[5];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        }
    }
  }
  if (bytes.size() > n) out += "… (+" + std::to_string(bytes.size() - n) + " bytes)";
  return out;
}

std::string hex_dump(std::string_view bytes, std::size_t offset, std::size_t max) {
  std::string out;
  if (offset >= bytes.size()) return out;
  std::size_t end = std::min(bytes.size(), offset + max);
  for (std::size_t line = offset - offset % 16; line < end; line += 16) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%08zx", line);
    out += buf;
    out += ' ';
    std::string ascii;
    for (std::size_t i = line; i < line + 16; ++i) {
      if (i < offset || i >= end) {
        out += "   ";
        ascii += ' ';
        continue;
      }
      auto c = static_cast<unsigned char>(bytes[i]);
      std::snprintf(buf, sizeof buf, " %02x", c);
      out += buf;
      ascii += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '.';
    }
    out += "  |" + ascii + "|\n";
  }
  return out;
}

std::string format_size(uint64_t n) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  uint64_t v = n;
  while (v != 0 && v % 1024 == 0 && unit < 4) {
    v /= 1024;
    ++unit;
  }
  if (unit == 0 && n >= 1024) return format_bytes(n);
  return std::to_string(v) + " " + kUnits[unit];
}

std::string format_bytes(uint64_t n) {
  char buf[32];
  if (n < 1024) {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(n));
    return buf;
  }
  static const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n) / 1024.0;
  int unit = 0;
  // Move up a unit before "%.1f" would round to 1024.0.
  while (v >= 1023.95 && unit < 3) {
    v /= 1024.0;
    ++unit;
  }
  std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[unit]);
  return buf;
}

std::size_t first_difference(std::string_view a, std::string_view b) {
  auto [ia, ib] = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
  if (ia == a.end() && ib == b.end()) return std::string_view::npos;
  return static_cast<std::size_t>(ia - a.begin());
}

}  // namespace sockgrade
