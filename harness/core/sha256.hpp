// SHA-256, so that a report names exactly what was graded (no OpenSSL dependency for one hash).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace sockgrade {

class Sha256 {
 public:
  Sha256();
  void update(std::string_view data);
  std::array<uint8_t, 32> digest();
  std::string hex_digest();

 private:
  void block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[64];
  std::size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

std::string sha256_hex(std::string_view data);

}  // namespace sockgrade
