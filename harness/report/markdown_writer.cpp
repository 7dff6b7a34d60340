// A Markdown summary for a CI job page (GitHub Actions: append it to $GITHUB_STEP_SUMMARY):
// the score, a table of the visible checks, the hidden total, then each check that did not
// pass with the terminal view's explanation in a fenced block. Student bytes reach messages,
// so inline text is escaped (no raw HTML, no Markdown syntax) and fences outgrow any
// backtick run inside them.
#include <algorithm>
#include <sstream>

#include "report/formats.hpp"
#include "report/text_writer.hpp"
#include "report/view.hpp"

namespace sockgrade::report {
namespace {

// One line of plain text, inert as Markdown and as HTML.
std::string md_inline(std::string_view s) {
  std::string out;
  for (char c : xml_safe_text(s)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '\n': case '\r': case '\t': out += ' '; break;
      case '\\': case '`': case '*': case '_': case '[': case ']': case '|': case '~': case '#': case '!':
        out += '\\';
        out += c;
        break;
      default: out += c;
    }
  }
  return out;
}

// A fenced block that no content can close early.
std::string fenced(const std::string& text) {
  std::string body = xml_safe_text(text);
  std::size_t longest = 0, run = 0;
  for (char c : body) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  std::string fence(std::max<std::size_t>(3, longest + 1), '`');
  if (!body.empty() && body.back() != '\n') body += '\n';
  return fence + "text\n" + body + fence + "\n";
}

std::string icon(const std::string& status) {
  if (status == "passed") return "✅";
  if (status == "failed") return "❌";
  if (status == "timeout") return "⏱️";
  if (status == "error") return "⚠️";
  return "⏭️";
}

}  // namespace

std::string render_markdown(const Report& r) {
  bool all_passed = r.build.status != "failed" && r.score >= r.max_score && r.complete();
  std::ostringstream out;
  out << "## " << (all_passed ? "✅" : "❌") << " " << md_inline(r.tool_name) << " · " << md_inline(r.lab) << ": "
      << format_points(r.score) << "/" << format_points(r.max_score) << " points\n\n";
  if (!r.lab_title.empty()) out << md_inline(r.lab_title) << " · ";
  out << "submission " << md_inline(r.submission_path) << " · seed " << r.seed << " · build " << md_inline(r.build.status)
      << "\n\n";

  if (r.build.status == "failed") {
    out << "### ❌ The build failed\n\n" << md_inline(r.build.message) << "\n\n"
        << fenced(r.build.command + "\n" + r.build.log) << "\nNo check ran: each counts as failed until the program builds.\n\n";
  }

  auto shown = visible_tests(r);
  if (!shown.empty()) {
    out << "| status | check | title | points |\n|---|---|---|---:|\n";
    for (const auto* t : shown) {
      out << "| " << icon(t->status) << " " << status_words(t->status) << " | `" << md_inline(t->id) << "` | "
          << md_inline(t->title) << " | " << test_points(*t) << " |\n";
    }
    out << "\n";
  }
  if (auto hidden = hidden_line(r); !hidden.empty()) out << md_inline(hidden) << " (counted in the score, not shown)\n\n";
  out << "**" << md_inline(summary_line(r)) << "**\n";
  if (r.count("error") > 0) {
    out << "\n⚠️ A harness error means the grader could not run a check; it says nothing about the program and is "
           "left out of the score. "
           "The score is incomplete until the check is re-run.\n";
  }

  for (const auto* t : shown) {
    if (t->status == "passed" || r.build.status == "failed") continue;  // after a failed build, none ran
    out << "\n### " << icon(t->status) << " " << md_inline(t->id) << ": " << md_inline(t->title) << "\n\n"
        << fenced(render_test_details(*t, TextOptions{}));
  }
  return out.str();
}

}  // namespace sockgrade::report
