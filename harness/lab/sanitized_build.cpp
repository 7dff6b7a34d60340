#include "lab/sanitized_build.hpp"

#include <unistd.h>

#include <fstream>
#include <iterator>

namespace sockgrade::lab {

bool is_sanitizer(std::string_view name) { return name == "address" || name == "thread"; }

std::vector<std::string> sanitizer_flags(std::string_view sanitizer) {
  // -O0 keeps every line of the student's code where the report says it is; TSan needs -O1 at
  // least to run at a usable speed and still reports both lines of a race.
  if (sanitizer == "thread") return {"-fsanitize=thread", "-g", "-O1"};
  return {"-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-g", "-O0"};
}

std::vector<std::string> fast_link_flags() {
  if (::access("/usr/bin/ld.gold", X_OK) == 0) return {"-fuse-ld=gold"};
  return {};
}

std::vector<std::string> sanitized_command(const std::vector<std::string>& command, bool make,
                                           std::string_view sanitizer, const std::vector<std::string>& link) {
  std::vector<std::string> out = command;
  auto flags = sanitizer_flags(sanitizer);
  flags.insert(flags.end(), link.begin(), link.end());
  if (!make) {
    out.insert(out.end(), flags.begin(), flags.end());
    return out;
  }
  std::string joined, link_joined;
  for (const auto& f : flags) joined += (joined.empty() ? "" : " ") + f;
  for (const auto& f : link) link_joined += " " + f;
  // -pthread too: a Makefile that put it in CFLAGS loses it when CFLAGS is overridden.
  out.push_back("CC=cc");
  out.push_back("CXX=c++");
  out.push_back("CFLAGS=" + joined + " -pthread");
  out.push_back("CXXFLAGS=" + joined + " -pthread");
  out.push_back("LDFLAGS=" + flags.front() + link_joined + " -pthread");
  return out;
}

std::string sanitized_dir_name(std::string_view sanitizer) { return ".sockgrade-" + std::string(sanitizer); }

bool in_sanitized_copy(const std::filesystem::path& relative) {
  if (relative.empty()) return false;
  auto first = relative.begin()->string();
  return first == sanitized_dir_name("address") || first == sanitized_dir_name("thread");
}

std::string_view runtime_symbol(std::string_view sanitizer) {
  return sanitizer == "thread" ? "__tsan_init" : "__asan_init";
}

Result<bool> is_instrumented(const std::filesystem::path& path, std::string_view sanitizer) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return error_result("cannot read " + path.string());
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The name sits in the dynamic symbol table (libasan/libtsan) or the static one.
  return bytes.find(std::string(runtime_symbol(sanitizer)) + '\0') != std::string::npos;
}

std::string uninstrumented_reason(const std::string& program, std::string_view sanitizer, bool make) {
  std::string why = "built '" + program + "' without instrumentation (no " + std::string(runtime_symbol(sanitizer)) +
                    " in it)";
  if (make) why += ": the Makefile ignores CC, CFLAGS and LDFLAGS";
  return why;
}

}  // namespace sockgrade::lab
