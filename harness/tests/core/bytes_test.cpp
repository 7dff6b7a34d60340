#include "core/bytes.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace sockgrade {
namespace {

using ::testing::EndsWith;
using ::testing::StartsWith;

TEST(EscapePreview, KeepsPrintableText) { EXPECT_EQ(escape_preview("hello, world"), "hello, world"); }

TEST(EscapePreview, EscapesControlAndHighBytes) {
  EXPECT_EQ(escape_preview(std::string("a\nb\r\tc\\", 7)), "a\\nb\\r\\tc\\\\");
  EXPECT_EQ(escape_preview(std::string("\x00", 1)), "\\x00");
  EXPECT_EQ(escape_preview("\xff"), "\\xff");
  EXPECT_EQ(escape_preview(std::string("hello\n\x00\xff", 8)), "hello\\n\\x00\\xff");
  EXPECT_EQ(escape_preview("\x7f\x1b"), "\\x7f\\x1b");
}

TEST(EscapePreview, MarksTruncationWithTheCount) {
  std::string s(100, 'a');
  auto p = escape_preview(s, 10);
  EXPECT_EQ(p, std::string(10, 'a') + "… (+90 bytes)");
  // Exactly `max` bytes: nothing is cut, no marker.
  EXPECT_EQ(escape_preview(std::string(10, 'b'), 10), std::string(10, 'b'));
  // The limit counts input bytes, not output characters.
  EXPECT_EQ(escape_preview(std::string(5, '\0'), 2), "\\x00\\x00… (+3 bytes)");
}

TEST(HexDump, LaysOutSixteenBytesALine) {
  std::string data = "0123456789abcdefXYZ";
  std::string expected =
      "00000000  30 31 32 33 34 35 36 37 38 39 61 62 63 64 65 66  |0123456789abcdef|\n"
      "00000010  58 59 5a                                         |XYZ             |\n";
  EXPECT_EQ(hex_dump(data), expected);
}

TEST(HexDump, ShowsNonPrintableAsDots) {
  EXPECT_EQ(hex_dump(std::string("a\0\xff", 3)),
            "00000000  61 00 ff                                         |a..             |\n");
}

TEST(HexDump, StartsAtOffsetAlignedToTheLine) {
  std::string data(40, 'x');
  data[18] = 'A';
  auto dump = hex_dump(data, 18, 4);
  EXPECT_EQ(dump, "00000010        41 78 78 78                                |  Axxx          |\n");
}

TEST(HexDump, EmptyWhenOffsetIsPastTheEnd) {
  EXPECT_EQ(hex_dump("abc", 3), "");
  EXPECT_EQ(hex_dump(""), "");
}

TEST(HexDump, StopsAfterMaxBytes) {
  auto dump = hex_dump(std::string(100, 'z'), 0, 20);
  EXPECT_THAT(dump, StartsWith("00000000 "));
  EXPECT_EQ(std::count(dump.begin(), dump.end(), '\n'), 2);
  EXPECT_THAT(dump, EndsWith("|zzzz            |\n"));
}

TEST(FormatBytes, UsesBinaryUnits) {
  EXPECT_EQ(format_bytes(0), "0 B");
  EXPECT_EQ(format_bytes(17), "17 B");
  EXPECT_EQ(format_bytes(1023), "1023 B");
  EXPECT_EQ(format_bytes(1024), "1.0 KiB");
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
  EXPECT_EQ(format_bytes(4096), "4.0 KiB");
  EXPECT_EQ(format_bytes(8u << 20), "8.0 MiB");
  EXPECT_EQ(format_bytes(3ull << 30), "3.0 GiB");
}

TEST(FirstDifference, EqualIsNpos) {
  EXPECT_EQ(first_difference("abc", "abc"), std::string_view::npos);
  EXPECT_EQ(first_difference("", ""), std::string_view::npos);
}

TEST(FirstDifference, PrefixGivesTheShorterLength) {
  EXPECT_EQ(first_difference("abc", "abcdef"), 3u);
  EXPECT_EQ(first_difference("abcdef", "abc"), 3u);
  EXPECT_EQ(first_difference("", "x"), 0u);
}

TEST(FirstDifference, FindsTheDifferingByte) {
  EXPECT_EQ(first_difference("hello", "hallo"), 1u);
  EXPECT_EQ(first_difference(std::string("ab\0d", 4), std::string("ab\0e", 4)), 3u);
  EXPECT_EQ(first_difference("x", "y"), 0u);
}

TEST(FormatSize, WholeUnitsAreExact) {
  EXPECT_EQ(format_size(256ull << 20), "256 MiB");
  EXPECT_EQ(format_size(1ull << 30), "1 GiB");
  EXPECT_EQ(format_size(1536 << 10), "1536 KiB");
  EXPECT_EQ(format_size(0), "0 B");
  EXPECT_EQ(format_size(1000), "1000 B");
  EXPECT_EQ(format_size(1500), "1.5 KiB");
}

}  // namespace

}  // namespace sockgrade
