// Deterministic randomness: every payload and fault schedule derives from the run's seed and
// the check's id, so `--seed N` reproduces a failure byte for byte.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sockgrade {

// xoshiro256** seeded through splitmix64: small, fast and identical on every platform.
class Rng {
 public:
  explicit Rng(uint64_t seed);
  // A generator for one purpose (a check id, a peer name) that does not disturb others.
  static Rng derive(uint64_t seed, std::string_view purpose);

  uint64_t next();
  // Uniform in [lo, hi].
  uint64_t between(uint64_t lo, uint64_t hi);
  std::string bytes(std::size_t n);
  // Printable ASCII text (letters, digits, spaces), for payloads a student can read.
  std::string text(std::size_t n);

 private:
  uint64_t s_[4];
};

// FNV-1a, for deriving seeds from names.
uint64_t fnv1a(std::string_view s);

}  // namespace sockgrade
