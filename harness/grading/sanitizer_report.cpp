#include "grading/sanitizer_report.hpp"

#include <cstdlib>
#include <regex>

namespace sockgrade::grading {
namespace {

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    auto nl = text.find('\n');
    out.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

// "server.c:12:7" or "server.c:12" → file, line.
void split_location(const std::string& loc, SanitizerFrame& f) {
  static const std::regex kLoc(R"(^(.*?):(\d+)(?::\d+)?$)");
  std::smatch m;
  if (std::regex_match(loc, m, kLoc)) {
    f.file = m[1];
    f.line = std::atoi(m[2].str().c_str());
  }
}

// ASan/LSan/UBSan: "    #1 0x55d in handle /src/server.c:12:7"; TSan: "    #0 handle /src/server.c:12 (server+0x11c8)".
// A C++ function name may hold spaces ("printf_common(void*, char const*)"): the place is the last
// token. Frames without a line ("in _start (/…/server+0x21c0)") keep the function only.
bool parse_frame(std::string_view line, SanitizerFrame& f) {
  static const std::regex kAsan(R"(^\s*#\d+ 0x[0-9a-f]+ in (.+) (\S+:\d+(?::\d+)?)\s*$)");
  static const std::regex kTsan(R"(^\s*#\d+ (.+) (\S+:\d+(?::\d+)?) \(\S+\)\s*$)");
  static const std::regex kAsanNoLine(R"(^\s*#\d+ 0x[0-9a-f]+ in (.+)$)");
  static const std::regex kBare(R"(^\s*#\d+ (.*)$)");
  std::string s(line);
  std::smatch m;
  if (std::regex_match(s, m, kAsan) || std::regex_match(s, m, kTsan)) {
    f.function = m[1];
    split_location(m[2], f);
    return true;
  }
  if (std::regex_match(s, m, kAsanNoLine) || std::regex_match(s, m, kBare)) {
    f.function = trim(m[1].str());
    return true;
  }
  return false;
}

// The kind named after "Sanitizer: " in a headline: "heap-buffer-overflow on address …" →
// "heap-buffer-overflow"; "attempting double-free on 0x…" → "attempting double-free".
std::string kind_after(const std::string& headline, const std::string& tool) {
  auto pos = headline.find(tool + ": ");
  if (pos == std::string::npos) return {};
  std::string rest = headline.substr(pos + tool.size() + 2);
  for (const char* stop : {" on ", " at pc", " (pid=", " in thread"}) {
    auto s = rest.find(stop);
    if (s != std::string::npos) rest = rest.substr(0, s);
  }
  return trim(rest);
}

bool starts_report(const std::string& line, SanitizerReport& r) {
  static const std::regex kUbsan(R"(^(\S+:\d+(?::\d+)?): runtime error: (.*)$)");
  std::smatch m;
  if (std::regex_match(line, m, kUbsan)) {
    r.tool = "UndefinedBehaviorSanitizer";
    r.location = m[1];
    std::string what = m[2];
    // "signed integer overflow: 2147483647 + 1 cannot…" → the part before the details.
    auto colon = what.find(':');
    r.kind = trim(what.substr(0, colon));
    if (r.kind.rfind("index ", 0) == 0) r.kind = "index out of bounds";
    if (r.kind.rfind("load of misaligned", 0) == 0 || r.kind.rfind("store to misaligned", 0) == 0) r.kind = "misaligned access";
    r.headline = line;
    return true;
  }
  for (const char* tool : {"AddressSanitizer", "LeakSanitizer", "ThreadSanitizer"}) {
    bool head = line.find(std::string("ERROR: ") + tool + ": ") != std::string::npos ||
                line.find(std::string("WARNING: ") + tool + ": ") != std::string::npos;
    if (!head) continue;
    r.tool = tool;
    auto eq = line.find("==", 2);
    r.headline = line.rfind("==", 0) == 0 && eq != std::string::npos ? trim(line.substr(eq + 2)) : trim(line);
    r.kind = kind_after(line, tool);
    if (r.tool == "LeakSanitizer") r.kind = "memory leak";
    return true;
  }
  return false;
}

}  // namespace

std::vector<SanitizerReport> parse_sanitizer_log(std::string_view log) {
  std::vector<SanitizerReport> reports;
  SanitizerReport* current = nullptr;
  for (auto raw : lines_of(log)) {
    std::string line(raw);
    SanitizerReport next;
    if (starts_report(line, next)) {
      reports.push_back(std::move(next));
      current = &reports.back();
      current->text = line + "\n";
      continue;
    }
    if (!current) continue;
    current->text += line + "\n";
    if (line.rfind("SUMMARY: ", 0) == 0 || line.rfind("==================", 0) == 0) {
      current = nullptr;  // the report ends; what follows (another report) starts afresh
      continue;
    }
    SanitizerFrame frame;
    if (parse_frame(line, frame)) {
      if (current->sections.empty()) current->sections.push_back({});
      current->sections.back().frames.push_back(std::move(frame));
    } else if (!trim(line).empty()) {
      std::string title = trim(line);
      if (!title.empty() && title.back() == ':') title.pop_back();
      current->sections.push_back({title, {}});
    }
  }
  return reports;
}

std::vector<LeakRecord> leaks_of(const SanitizerReport& report) {
  static const std::regex kLeak(R"(^(Direct|Indirect) leak of (\d+) byte\(s\) in (\d+) object\(s\) allocated from$)");
  std::vector<LeakRecord> out;
  for (const auto& s : report.sections) {
    std::smatch m;
    if (!std::regex_match(s.title, m, kLeak)) continue;
    out.push_back({m[1] == "Direct", std::atoll(m[2].str().c_str()), std::atoll(m[3].str().c_str()), s.frames});
  }
  return out;
}

bool is_student_frame(const SanitizerFrame& f, std::string_view source_marker) {
  // "_start (/…/.sockgrade-address/server+0x21c0)" names the binary, not a line of it.
  return f.line > 0 && f.file.find(source_marker) != std::string::npos;
}

std::string student_path(const SanitizerFrame& f, std::string_view source_marker) {
  auto pos = f.file.find(source_marker);
  if (pos == std::string::npos) return f.file;
  return f.file.substr(pos + source_marker.size());
}

std::vector<std::string> student_stack(const SanitizerSection& s, std::string_view source_marker) {
  std::vector<std::string> out;
  for (const auto& f : s.frames) {
    if (!is_student_frame(f, source_marker)) continue;
    out.push_back(student_path(f, source_marker) + ":" + std::to_string(f.line) + " in " + f.function);
  }
  if (out.empty()) {
    for (const auto& f : s.frames) out.push_back(f.file.empty() ? f.function : f.file + ":" + std::to_string(f.line) + " in " + f.function);
  }
  return out;
}

}  // namespace sockgrade::grading
