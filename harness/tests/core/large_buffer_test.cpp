#include "core/large_buffer.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

namespace sockgrade {
namespace {

std::string thp_mode() {
  std::ifstream in("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string line;
  std::getline(in, line);
  return line;
}

// The smaps block of the mapping that holds `p`.
std::string smaps_of(const void* p) {
  auto addr = reinterpret_cast<uintptr_t>(p);
  std::ifstream in("/proc/self/smaps");
  std::string line, block;
  bool inside = false;
  while (std::getline(in, line)) {
    uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> lo >> dash >> hi && dash == '-' && line.find(':') > line.find(' ')) {
      if (inside) return block;
      inside = addr >= lo && addr < hi;
      block.clear();
    }
    if (inside) block += line + "\n";
  }
  return block;
}

TEST(ReserveLarge, ReservesWithoutChangingTheContents) {
  std::string s = "kept";
  reserve_large(s, 3u << 20);
  EXPECT_EQ(s, "kept");
  EXPECT_GE(s.capacity(), 3u << 20);
  s.resize(3u << 20, 'x');
  EXPECT_EQ(s.substr(0, 4), "kept");
  EXPECT_EQ(s.back(), 'x');
}

TEST(ReserveLarge, NeverShrinks) {
  std::string s;
  s.reserve(1u << 20);
  auto before = s.capacity();
  reserve_large(s, 1024);
  EXPECT_EQ(s.capacity(), before);
}

TEST(ReserveLarge, AsksForHugePagesFromTwoMiB) {
  if (thp_mode().find("[never]") != std::string::npos) GTEST_SKIP() << "transparent huge pages are off here";
  std::string s;
  reserve_large(s, 8u << 20);
  // The middle of the buffer lies in a mapping advised MADV_HUGEPAGE ("hg" in VmFlags).
  auto block = smaps_of(s.data() + (4u << 20));
  ASSERT_FALSE(block.empty());
  auto flags = block.substr(block.find("VmFlags:"));
  EXPECT_NE(flags.find(" hg"), std::string::npos) << block;
}

TEST(ReserveLarge, SmallBuffersGetNoAdvice) {
  std::string s;
  reserve_large(s, 64u << 10);
  auto block = smaps_of(s.data() + 100);
  ASSERT_FALSE(block.empty());
  EXPECT_EQ(block.substr(block.find("VmFlags:")).find(" hg"), std::string::npos) << block;
}

}  // namespace
}  // namespace sockgrade
