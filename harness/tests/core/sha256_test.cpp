#include "core/sha256.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sockgrade {
namespace {

TEST(Sha256, MatchesKnownVectors) {
  // FIPS 180-2 / NIST examples.
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopq"
                       "rsmnopqrstnopqrstu"),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

TEST(Sha256, OneMillionAsFedInUnevenChunks) {
  Sha256 h;
  std::size_t fed = 0;
  const std::size_t kChunks[] = {1, 63, 64, 65, 127, 1000, 7, 4096, 3};
  for (std::size_t i = 0; fed < 1000000; ++i) {
    std::size_t n = std::min(kChunks[i % std::size(kChunks)], 1000000 - fed);
    h.update(std::string(n, 'a'));
    fed += n;
  }
  EXPECT_EQ(h.hex_digest(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, PaddingBoundaries) {
  // Lengths around the 55/56/64-byte padding edges (reference values from Python's hashlib).
  struct Case {
    std::size_t n;
    const char* hex;
  };
  const Case kCases[] = {
      {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
      {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
      {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
      {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
      {65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
      {119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
      {120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
  };
  for (const auto& c : kCases) EXPECT_EQ(sha256_hex(std::string(c.n, 'a')), c.hex) << "length " << c.n;
}

TEST(Sha256, DigestBytesMatchHexDigest) {
  Sha256 a;
  a.update("abc");
  auto d = a.digest();
  EXPECT_EQ(d[0], 0xba);
  EXPECT_EQ(d[1], 0x78);
  EXPECT_EQ(d[31], 0xad);
}

TEST(Sha256, BinaryInputWithNulBytes) {
  std::string data("a\0b", 3);
  EXPECT_NE(sha256_hex(data), sha256_hex("a"));
  EXPECT_NE(sha256_hex(data), sha256_hex(std::string("a\0c", 3)));
  EXPECT_EQ(sha256_hex(data), sha256_hex(std::string("a\0b", 3)));
}

}  // namespace
}  // namespace sockgrade
