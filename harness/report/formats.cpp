#include "report/formats.hpp"

#include <cstdio>

#include "report/json_writer.hpp"
#include "report/text_writer.hpp"

namespace sockgrade::report {

std::string render_text_plain(const Report& r) { return render_text(r, TextOptions{}); }

const std::vector<Format>& formats() {
  // One explicit list: self-registering statics vanish when a static library is linked.
  static const std::vector<Format> kFormats = {
      {"json", "the full report for instructors (sockgrade.report/1), hidden checks included and marked", render_json},
      {"text", "the terminal view, without colour", render_text_plain},
      {"gradescope", "Gradescope autograder results.json (hidden checks: visibility \"hidden\")", render_gradescope},
      {"prairielearn", "PrairieLearn external grader results.json (score 0-1)", render_prairielearn},
      {"autolab", "Autolab's last output line {\"scores\": {CATEGORY: points}}", render_autolab},
      {"junit", "JUnit XML for CI (failed/timeout: <failure>, harness error: <error>, <skipped/>)", render_junit},
      {"html", "one self-contained HTML page, with the event trace as a sequence diagram", render_html},
      {"markdown", "a Markdown summary (GitHub Actions job summary)", render_markdown},
  };
  return kFormats;
}

const Format* find_format(std::string_view name) {
  for (const auto& f : formats()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string format_names() {
  std::string out;
  for (const auto& f : formats()) out += (out.empty() ? "" : ", ") + f.name;
  return out;
}

Result<void> write_output(const std::string& path, const std::string& content) {
  if (path == "-") {
    if (std::fwrite(content.data(), 1, content.size(), stdout) != content.size() || std::fflush(stdout) != 0) {
      return unexpected(errno_error("cannot write the report to standard output"));
    }
    return {};
  }
  return write_file_atomically(path, content);
}

}  // namespace sockgrade::report
