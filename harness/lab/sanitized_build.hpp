// The memory checks' builds of a submission (issue 16): the same build rule, with a sanitizer's
// flags passed the way students' Makefiles commonly honour them (CC, CFLAGS, LDFLAGS on make's
// command line) or appended to the lab's compile command. Whether they took effect is read from
// the binary (the sanitizer's runtime symbol), never assumed.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace sockgrade::lab {

// "address" (ASan with UBSan) or "thread" (TSan): the sanitizers a check may ask for.
bool is_sanitizer(std::string_view name);

// The compiler flags of one sanitizer: "-fsanitize=address,undefined -fno-omit-frame-pointer -g -O0".
std::vector<std::string> sanitizer_flags(std::string_view sanitizer);

// "-fuse-ld=gold" where gold is installed, else nothing. The instrumented program is the
// harness's own and only its behaviour matters, not how it was linked: gold links it with the
// sanitizer's runtime in 36 ms where bfd takes 126 (a tenth of a batch grading's CPU was ld).
std::vector<std::string> fast_link_flags();

// The build command of the instrumented copy: make with CC, CXX, CFLAGS, CXXFLAGS and LDFLAGS
// given on its command line, or the compile command with the flags appended (a later -O wins);
// `link` (fast_link_flags()) goes wherever the program may be linked: CFLAGS, CXXFLAGS, LDFLAGS.
std::vector<std::string> sanitized_command(const std::vector<std::string>& command, bool make,
                                           std::string_view sanitizer,
                                           const std::vector<std::string>& link = fast_link_flags());

// The directory, inside the staged sources, where the copy for `sanitizer` is built.
std::string sanitized_dir_name(std::string_view sanitizer);
// Whether a path relative to the staged sources lies in one of those copies.
bool in_sanitized_copy(const std::filesystem::path& relative);

// The symbol an instrumented binary holds: "__asan_init" or "__tsan_init".
std::string_view runtime_symbol(std::string_view sanitizer);
// Whether the executable at `path` contains the sanitizer's runtime symbol.
Result<bool> is_instrumented(const std::filesystem::path& path, std::string_view sanitizer);

// Why the memory checks cannot run on an uninstrumented build, for the student.
std::string uninstrumented_reason(const std::string& program, std::string_view sanitizer, bool make);

}  // namespace sockgrade::lab
