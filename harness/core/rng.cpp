#include "core/rng.hpp"

#include "core/large_buffer.hpp"

namespace sockgrade {
namespace {

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

Rng::Rng(uint64_t seed) {
  uint64_t x = seed;
  for (auto& s : s_) s = splitmix64(x);
}

Rng Rng::derive(uint64_t seed, std::string_view purpose) { return Rng(seed ^ fnv1a(purpose)); }

uint64_t Rng::next() {
  uint64_t result = rotl(s_[1] * 5, 7) * 9;
  uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

uint64_t Rng::between(uint64_t lo, uint64_t hi) {
  if (hi <= lo) return lo;
  uint64_t span = hi - lo + 1;
  if (span == 0) return next();
  return lo + next() % span;
}

std::string Rng::bytes(std::size_t n) {
  std::string out;
  reserve_large(out, n);
  out.resize(n);
  std::size_t i = 0;
  while (i < n) {
    uint64_t v = next();
    for (int k = 0; k < 8 && i < n; ++k, ++i) out[i] = static_cast<char>(v >> (8 * k));
  }
  return out;
}

std::string Rng::text(std::size_t n) {
  static constexpr std::string_view kAlphabet =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789     ";
  std::string out;
  reserve_large(out, n);
  out.resize(n);
  for (auto& c : out) c = kAlphabet[next() % kAlphabet.size()];
  return out;
}

}  // namespace sockgrade
