// The sanitizer report parser on real reports captured on this project's machine (GCC 12): the
// programs are sanitizer_samples/server.c.txt (ASan, UBSan, LSan) and race.c.txt (TSan), built in
// a directory named like the harness's instrumented copy (.sockgrade-address, .sockgrade-thread).
#include "grading/sanitizer_report.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "sockgrade_source_dir.hpp"

namespace sockgrade::grading {
namespace {

const std::string kAsanMarker = "/.sockgrade-address/";
const std::string kTsanMarker = "/.sockgrade-thread/";

std::string sample(const std::string& name) {
  std::ifstream in(std::string(SOCKGRADE_TEST_SOURCE_DIR) + "/harness/tests/grading/sanitizer_samples/" + name);
  EXPECT_TRUE(in) << name;
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(SanitizerReport, HeapBufferOverflowNamesTheWriteAndTheAllocation) {
  auto reports = parse_sanitizer_log(sample("asan_heap_buffer_overflow.log"));
  ASSERT_EQ(reports.size(), 1u);
  const auto& r = reports[0];
  EXPECT_EQ(r.tool, "AddressSanitizer");
  EXPECT_EQ(r.kind, "heap-buffer-overflow");
  ASSERT_GE(r.sections.size(), 2u);
  EXPECT_EQ(r.sections[0].title.rfind("WRITE of size 1", 0), 0u) << r.sections[0].title;
  EXPECT_EQ(student_stack(r.sections[0], kAsanMarker),
            (std::vector<std::string>{"server.c:10 in heap_overflow", "server.c:44 in main"}));
  bool allocation = false;
  for (const auto& s : r.sections) {
    if (s.title.find("allocated by thread T0 here") == std::string::npos) continue;
    allocation = true;
    EXPECT_EQ(student_stack(s, kAsanMarker).front(), "server.c:8 in heap_overflow");
  }
  EXPECT_TRUE(allocation);
}

TEST(SanitizerReport, UseAfterFreeKeepsTheFreeSite) {
  auto reports = parse_sanitizer_log(sample("asan_heap_use_after_free.log"));
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].kind, "heap-use-after-free");
  EXPECT_EQ(student_stack(reports[0].sections[0], kAsanMarker).front(), "server.c:25 in use_after_free");
  std::vector<std::string> titles;
  for (const auto& s : reports[0].sections) titles.push_back(s.title);
  EXPECT_NE(std::find(titles.begin(), titles.end(), "freed by thread T0 here"), titles.end());
  // The shadow-byte map after SUMMARY belongs to no section.
  EXPECT_EQ(reports[0].text.find("Shadow bytes"), std::string::npos);
}

TEST(SanitizerReport, StackBufferOverflowAfterUbsanLines) {
  auto reports = parse_sanitizer_log(sample("asan_stack_buffer_overflow.log"));
  ASSERT_FALSE(reports.empty());
  EXPECT_EQ(reports[0].kind, "stack-buffer-overflow");
  EXPECT_EQ(student_stack(reports[0].sections[0], kAsanMarker).front(), "server.c:17 in stack_overflow");
}

TEST(SanitizerReport, UbsanRuntimeErrorsFromStderr) {
  auto overflow = parse_sanitizer_log(sample("ubsan_signed_overflow.stderr"));
  ASSERT_EQ(overflow.size(), 1u);
  EXPECT_EQ(overflow[0].tool, "UndefinedBehaviorSanitizer");
  EXPECT_EQ(overflow[0].kind, "signed integer overflow");
  EXPECT_EQ(overflow[0].location, "server.c:30:9");
  EXPECT_EQ(student_stack(overflow[0].sections[0], kAsanMarker).front(), "server.c:30 in overflow");
  auto index = parse_sanitizer_log(sample("ubsan_index_out_of_bounds.stderr"));
  ASSERT_FALSE(index.empty());
  EXPECT_EQ(index[0].kind, "index out of bounds");
}

TEST(SanitizerReport, LeaksCarryBytesObjectsAndTheAllocationSite) {
  auto reports = parse_sanitizer_log(sample("lsan_leak_per_client.log"));
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].tool, "LeakSanitizer");
  auto leaks = leaks_of(reports[0]);
  ASSERT_EQ(leaks.size(), 2u);
  EXPECT_TRUE(leaks[0].direct);
  EXPECT_EQ(leaks[0].bytes, 128);
  EXPECT_EQ(leaks[0].objects, 8);
  EXPECT_EQ(student_stack({"", leaks[0].frames}, kAsanMarker).front(), "server.c:36 in leak");
  EXPECT_FALSE(leaks[1].direct);
  EXPECT_EQ(leaks[1].bytes, 4096);
}

TEST(SanitizerReport, DataRaceHasBothAccessesAndTheThreadCreation) {
  auto reports = parse_sanitizer_log(sample("tsan_connfd_race.log"));
  ASSERT_EQ(reports.size(), 1u);
  const auto& r = reports[0];
  EXPECT_EQ(r.tool, "ThreadSanitizer");
  EXPECT_EQ(r.kind, "data race");
  std::vector<std::string> lines;
  for (const auto& s : r.sections) {
    if (!s.frames.empty()) lines.push_back(s.title + " | " + student_stack(s, kTsanMarker).front());
  }
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "Write of size 4 at 0x7ffc4fe7b19c by main thread | server.c:15 in main");
  EXPECT_EQ(lines[1], "Previous read of size 4 at 0x7ffc4fe7b19c by thread T1 | server.c:6 in handle");
  EXPECT_EQ(lines[2], "Thread T1 (tid=16256, finished) created by main thread at | server.c:16 in main");
}

TEST(SanitizerReport, FramesOutsideTheSourcesAreNotTheStudents) {
  SanitizerFrame binary{"_start", "(/x/.sockgrade-address/server+0x21c0)", 0};
  SanitizerFrame libc{"__libc_start_call_main", "../sysdeps/nptl/libc_start_call_main.h", 58};
  SanitizerFrame mine{"main", "/x/.sockgrade-address/src/server.c", 12};
  EXPECT_FALSE(is_student_frame(binary, kAsanMarker));
  EXPECT_FALSE(is_student_frame(libc, kAsanMarker));
  EXPECT_TRUE(is_student_frame(mine, kAsanMarker));
  EXPECT_EQ(student_path(mine, kAsanMarker), "src/server.c");
}

TEST(SanitizerReport, TextWithoutReportsHasNone) {
  EXPECT_TRUE(parse_sanitizer_log("listening on 54154\nclient connected\n").empty());
  EXPECT_TRUE(parse_sanitizer_log("").empty());
}

}  // namespace
}  // namespace sockgrade::grading
