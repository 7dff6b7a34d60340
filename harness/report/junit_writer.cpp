// JUnit XML for CI: one <testsuite> (the lab), one <testcase> per visible check. The two kinds
// of failure stay apart: a failed or timed-out check is the program's <failure>, a harness
// error is an <error> (the grader's own problem), a skipped check is <skipped/>. A failed
// build is one more testcase, "build", so CI shows the compiler's output. Hidden checks are
// not listed: a property and <system-out> carry their total. Every text is XML-escaped and
// stripped of bytes XML cannot hold (student output reaches messages and evidence).
#include <cstdio>
#include <sstream>

#include "core/strings.hpp"
#include "report/formats.hpp"
#include "report/text_writer.hpp"
#include "report/view.hpp"

namespace sockgrade::report {
namespace {

std::string seconds(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", ms / 1000.0);
  return buf;
}

// An attribute value on one line: parsers turn newlines in attributes into spaces anyway.
std::string attr(std::string_view s) {
  std::string one_line(s);
  for (auto& c : one_line) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return xml_escape(one_line);
}

void property(std::ostringstream& out, const std::string& name, const std::string& value) {
  out << "      <property name=\"" << attr(name) << "\" value=\"" << attr(value) << "\"/>\n";
}

}  // namespace

std::string render_junit(const Report& r) {
  auto shown = visible_tests(r);
  bool build_failed = r.build.status == "failed";
  int tests = static_cast<int>(shown.size()) + (build_failed ? 1 : 0);
  int failures = count_visible(r, "failed") + count_visible(r, "timeout") + (build_failed ? 1 : 0);
  int errors = count_visible(r, "error");
  int skipped = count_visible(r, "skipped");
  std::string counts = "tests=\"" + std::to_string(tests) + "\" failures=\"" + std::to_string(failures) +
                       "\" errors=\"" + std::to_string(errors) + "\" skipped=\"" + std::to_string(skipped) +
                       "\" time=\"" + seconds(r.duration_ms) + "\"";
  // JUnit's timestamp has no zone designator; ours is always UTC.
  std::string timestamp = r.started_at;
  if (!timestamp.empty() && timestamp.back() == 'Z') timestamp.pop_back();

  std::ostringstream out;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << "<testsuites name=\"" << attr(r.tool_name + " " + r.lab) << "\" " << counts << ">\n";
  out << "  <testsuite name=\"" << attr(r.lab) << "\" " << counts << " timestamp=\"" << attr(timestamp) << "\">\n";
  out << "    <properties>\n";
  property(out, "submission", r.submission_path);
  property(out, "sha256", r.submission_sha256);
  property(out, "seed", std::to_string(r.seed));
  property(out, "score", format_points(r.score) + "/" + format_points(r.max_score));
  property(out, "complete", r.complete() ? "true" : "false");
  if (auto hidden = hidden_line(r); !hidden.empty()) property(out, "hidden_checks", hidden);
  out << "    </properties>\n";

  if (build_failed) {
    out << "    <testcase name=\"build\" classname=\"" << attr(r.lab + ".build") << "\" time=\""
        << seconds(r.build.duration_ms) << "\">\n";
    out << "      <failure message=\"" << attr("the build failed: " + r.build.message) << "\" type=\"build\">"
        << xml_escape(r.build.command + "\n" + last_lines(r.build.log, 60)) << "</failure>\n";
    out << "    </testcase>\n";
  }
  for (const auto* t : shown) {
    out << "    <testcase name=\"" << attr(t->id) << "\" classname=\"" << attr(r.lab + "." + t->category)
        << "\" time=\"" << seconds(t->duration_ms) << "\"";
    if (t->status == "passed") {
      out << "/>\n";
      continue;
    }
    out << ">\n";
    if (t->status == "skipped") {
      out << "      <skipped message=\"" << attr(t->message) << "\"/>\n";
    } else {
      const char* element = t->status == "error" ? "error" : "failure";
      const char* type = t->status == "error" ? "harness-error" : t->status == "timeout" ? "timeout" : "failed";
      out << "      <" << element << " message=\"" << attr(t->message) << "\" type=\"" << type << "\">"
          << xml_escape(t->title + "\n" + render_test_details(*t, TextOptions{})) << "</" << element << ">\n";
    }
    out << "    </testcase>\n";
  }
  out << "    <system-out>" << xml_escape(summary_text(r)) << "</system-out>\n";
  out << "  </testsuite>\n</testsuites>\n";
  return out.str();
}

}  // namespace sockgrade::report
