#include "batch/dashboard.hpp"

#include <cctype>
#include <set>
#include <sstream>

#include "batch/class_stats.hpp"
#include "batch/dashboard_charts.hpp"
#include "core/strings.hpp"
#include "report/view.hpp"

namespace sockgrade::batch {
namespace {

using report::format_points;
using report::xml_escape;

// An id as one path segment of a relative link: unreserved characters kept, the rest %XX (ids
// are safe_id's already; a file put into OUT by hand may not be).
std::string url_segment(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

const char* kStyle = R"(
:root { --pass: #1a7f37; --fail: #cf222e; --mid: #bf8700; --err: #8250df; --ink: #1f2328; --soft: #57606a; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); margin: 0 auto; max-width: 1100px; padding: 24px; }
h1 { font-size: 1.6em; margin: 0 0 4px; } h1 .lab-title { font-weight: normal; color: var(--soft); font-size: .7em; }
h2 { font-size: 1.2em; margin: 28px 0 8px; }
.summary, .explain, footer { color: var(--soft); }
table { border-collapse: collapse; } th, td { text-align: left; vertical-align: top; padding: 4px 8px; border-bottom: 1px solid var(--line); }
td.num, th.num { text-align: right; white-space: nowrap; }
code { font: 13px ui-monospace, "DejaVu Sans Mono", monospace; overflow-wrap: anywhere; }
.tag { display: inline-block; padding: 0 6px; border-radius: 8px; background: #eaeef2; color: var(--soft); font-size: .8em; }
svg.histogram { font: 12px system-ui, sans-serif; max-width: 100%; height: auto; }
svg .axis { stroke: #8c959f; } svg .tick { fill: var(--soft); } svg .count { fill: var(--ink); font-weight: 600; }
svg .bin.low { fill: var(--fail); } svg .bin.mid { fill: var(--mid); } svg .bin.high { fill: #4ac26b; } svg .bin.full { fill: var(--pass); }
table.bars { width: 100%; } table.bars td { vertical-align: middle; } table.bars td.bar { width: 32%; }
table.bars code, table.bars td.category, #students td.name { white-space: nowrap; }
#check-rates .title { font-size: .85em; color: var(--soft); }
.track { background: #eaeef2; border-radius: 3px; height: 12px; min-width: 120px; }
.fill { height: 12px; border-radius: 3px; }
#check-rates .fill { background: var(--fail); } #category-means .fill { background: #0969da; }
table#students { width: 100%; } #students th a { color: inherit; text-decoration: none; border-bottom: 1px dashed var(--soft); }
#students th[aria-sort="ascending"] a::after { content: " \25B2"; } #students th[aria-sort="descending"] a::after { content: " \25BC"; }
#students td.not-passed { font-size: .85em; color: var(--soft); }
#students tr.build-failed td.build, #students tr.incomplete td.complete { color: var(--fail); font-weight: 600; }
#not-graded td.kind { white-space: nowrap; color: var(--err); font-weight: 600; } #not-graded td.reason { overflow-wrap: anywhere; }
footer { margin-top: 32px; font-size: .85em; }
)";

// "echo-server", or every lab named when the reports mix several; and the first lab's title.
std::pair<std::string, std::string> lab_names(const std::vector<Row>& rows) {
  std::set<std::string> seen;
  std::vector<std::string> labs;
  std::string title;
  for (const auto& r : rows) {
    if (!r.graded || r.lab.empty() || !seen.insert(r.lab).second) continue;
    labs.push_back(r.lab);
    if (title.empty()) title = r.lab_title;
  }
  return {labs.empty() ? std::string("sockgrade") : join(labs, ", "), labs.size() == 1 ? title : ""};
}

std::string summary_line(const ClassStats& s, std::size_t total) {
  std::string out = std::to_string(total) + " submissions · " + std::to_string(s.graded) + " graded (" +
                    std::to_string(s.build_failed) + " did not build) · " + std::to_string(s.not_graded) + " not graded";
  if (s.graded > 0) out += " · mean " + percent_text(s.mean_percent) + " · median " + percent_text(s.median_percent);
  return out;
}

// The checks a submission did not pass, or "all 19 checks" (a build that failed, a server that
// never listened) rather than the lab's whole list.
std::string not_passed_text(const Row& r) {
  if (r.not_passed.size() > 1 && r.not_passed.size() == r.checks.size()) {
    return "all " + std::to_string(r.checks.size()) + " checks";
  }
  return join(r.not_passed, ", ");
}

std::string student_row(const Row& r) {
  std::string id = xml_escape(r.id), link = "reports/" + url_segment(r.id);
  std::string classes = std::string(r.build == "failed" ? "build-failed" : "") + (r.complete ? "" : " incomplete");
  std::ostringstream out;
  out << "<tr data-id=\"" << id << "\" data-percent=\"" << format_points(percent_of(r)) << "\""
      << (classes.empty() ? "" : " class=\"" + trim(classes) + "\"") << "><td class=\"name\"><a href=\"" << link << ".html\">" << id
      << "</a> <a class=\"tag\" href=\"" << link << ".json\">json</a></td><td class=\"num\">"
      << format_points(r.score) << "/" << format_points(r.max_score) << "</td><td class=\"num\">"
      << percent_text(percent_of(r)) << "</td><td class=\"build\">" << xml_escape(r.build) << "</td><td class=\"complete\">"
      << (r.complete ? "yes" : "no") << "</td><td class=\"not-passed\">" << xml_escape(not_passed_text(r))
      << "</td><td>" << xml_escape(r.note) << "</td></tr>\n";
  return out.str();
}

std::string students_table(const std::vector<Row>& rows) {
  std::ostringstream out;
  out << "<table id=\"students\"><thead><tr>"
         "<th aria-sort=\"ascending\"><a href=\"#sort=name-desc\" data-sort=\"name\">submission</a></th>"
         "<th class=\"num\" aria-sort=\"none\"><a href=\"#sort=score\" data-sort=\"score\">score</a></th>"
         "<th class=\"num\">%</th><th>build</th><th>complete</th><th>not passed</th><th>note</th></tr></thead><tbody>\n";
  for (const auto& r : rows) {
    if (r.graded) out << student_row(r);
  }
  out << "</tbody></table>\n";
  return out.str();
}

std::string not_graded_section(const std::vector<Row>& rows, int count) {
  std::ostringstream out;
  out << "<section id=\"not-graded\">\n<h2>Not graded (" << count << ")</h2>\n";
  if (count == 0) return out.str() + "<p class=\"explain\">Every submission was graded.</p>\n</section>\n";
  out << "<p class=\"explain\">A refused archive or a submission that could not be run (<em>rejected</em>) counts 0 "
         "in the gradebook; a <em>harness-error</em> has no score there: <code>sockgrade grade … --resume</code> "
         "grades it again.</p>\n<table><thead><tr><th>submission</th><th>kind</th><th>reason</th></tr></thead><tbody>\n";
  for (const auto& r : rows) {
    if (r.graded) continue;
    out << "<tr data-id=\"" << xml_escape(r.id) << "\"><td><code>" << xml_escape(r.id) << "</code></td><td class=\"kind\">"
        << xml_escape(r.build) << "</td><td class=\"reason\">" << xml_escape(r.note) << "</td></tr>\n";
  }
  out << "</tbody></table>\n</section>\n";
  return out.str();
}

}  // namespace

std::string render_dashboard(const std::vector<Row>& rows) {
  ClassStats stats = class_stats(rows);
  auto [lab, title] = lab_names(rows);
  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      << "<title>" << xml_escape(lab + " · class dashboard") << "</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n"
      << "<header>\n<h1>" << xml_escape(lab);
  if (!title.empty()) out << " <span class=\"lab-title\">" << xml_escape(title) << "</span>";
  out << "</h1>\n<p class=\"summary\" id=\"summary\">" << xml_escape(summary_line(stats, rows.size())) << "</p>\n</header>\n<main>\n";
  out << "<section id=\"distribution\">\n<h2>Score distribution</h2>\n" << histogram_svg(stats) << "\n</section>\n";
  out << "<section id=\"checks\">\n<h2>Checks not passed</h2>\n<p class=\"explain\">Failed, timed out or skipped, "
         "out of the graded submissions that reached a verdict (a harness error counts neither way).</p>\n"
      << check_rates_table(stats) << "</section>\n";
  out << "<section id=\"categories\">\n<h2>Mean points per category</h2>\n" << category_means_table(stats) << "</section>\n";
  out << "<section id=\"students-section\">\n<h2>Students (" << stats.graded << " graded)</h2>\n<p class=\"explain\">Each "
         "name opens the student's report (reports/&lt;id&gt;.html, the student's view: hidden checks only as a "
         "total).</p>\n" << students_table(rows) << "</section>\n";
  out << not_graded_section(rows, stats.not_graded);
  out << "</main>\n<footer>sockgrade · made from reports/ and errors/ alone; <code>sockgrade render-batch DIR</code> "
         "makes it again</footer>\n<script>" << kDashboardScript << "</script>\n</body>\n</html>\n";
  return out.str();
}

}  // namespace sockgrade::batch
