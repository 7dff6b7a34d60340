// Reading what a sanitizer wrote (ASan, UBSan, LSan, TSan) into what the student needs: the kind
// of bug, the student's file:line, the stack trimmed to the student's frames, and for a leak the
// bytes and the allocation site; for a data race both accesses and the thread's creation site.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace sockgrade::grading {

struct SanitizerFrame {
  std::string function;
  std::string file;  // as the symbolizer printed it
  int line = 0;
};

// One titled stack of a report: "WRITE of size 1 at 0x… thread T0", "Thread T1 created by main
// thread at", "Direct leak of 64 byte(s) in 4 object(s) allocated from".
struct SanitizerSection {
  std::string title;
  std::vector<SanitizerFrame> frames;
};

struct SanitizerReport {
  std::string tool;      // AddressSanitizer, UndefinedBehaviorSanitizer, LeakSanitizer, ThreadSanitizer
  std::string kind;      // heap-buffer-overflow, use-after-free, signed integer overflow, data race, leak…
  std::string headline;  // the report's first line, without the ==pid== prefix
  std::string location;  // UBSan: "server.c:13:5" from the headline; else empty
  std::vector<SanitizerSection> sections;
  std::string text;      // the report as written
};

// The reports in a sanitizer's log, in order (a TSan log may hold several, an LSan report one
// per run). Lines that belong to no report are ignored.
std::vector<SanitizerReport> parse_sanitizer_log(std::string_view log);

// A leak of one allocation site (LSan): from "Direct leak of N byte(s) in M object(s)".
struct LeakRecord {
  bool direct = true;
  long long bytes = 0;
  long long objects = 0;
  std::vector<SanitizerFrame> frames;
};
std::vector<LeakRecord> leaks_of(const SanitizerReport& report);

// Whether a frame is the student's code: its file lies under `source_marker` (the directory the
// instrumented copy was built in, e.g. "/.sockgrade-address/").
bool is_student_frame(const SanitizerFrame& f, std::string_view source_marker);
// The frame's file relative to the student's sources ("server.c"), or as printed.
std::string student_path(const SanitizerFrame& f, std::string_view source_marker);

// "server.c:12 in handle_client" lines of the student's frames of a section (all frames when none is).
std::vector<std::string> student_stack(const SanitizerSection& s, std::string_view source_marker);

}  // namespace sockgrade::grading
