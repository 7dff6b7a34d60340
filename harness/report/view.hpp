// What every student-facing view shares: which checks a student may see (a check marked
// "hidden" in the lab counts in the score but is shown only as a total), points and counts as
// words, and text made safe for XML, HTML and Markdown. The JSON view keeps everything.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "report/model.hpp"

namespace sockgrade::report {

// The checks a student may see, in report order.
std::vector<const TestResult*> visible_tests(const Report& r);
// How many visible checks ended with `status`.
int count_visible(const Report& r, const std::string& status);

struct HiddenTotal {
  int count = 0;
  double score = 0;
  double max_score = 0;
};
HiddenTotal hidden_total(const Report& r);
// "2 hidden checks: 5/9 points", or "" when the lab hides none.
std::string hidden_line(const Report& r);

// "8", "12.5", "2.67": points without trailing zeros.
std::string format_points(double x);
// "19/50 points".
std::string points_of(double score, double max_score);
// A check's points as every view shows them: "4/6", or "not counted" for a harness error.
std::string test_points(const TestResult& t);
// One line: "score 19/50 · 2 passed · 1 failed · 1 timed out · 1 skipped · 1 harness error (score incomplete)".
std::string summary_line(const Report& r);
// A few lines for a view's one text box (Gradescope's output, PrairieLearn's message): the
// lab, the build, summary_line, the hidden total, a failed build's log tail, a harness-error note.
std::string summary_text(const Report& r);
// "passed", "FAILED", "timed out", "harness error", "skipped": a status as a student reads it.
std::string status_words(const std::string& status);

// The bytes behind an escaped preview (the inverse of core/bytes escape_preview); `truncated`
// tells whether the preview ended in "… (+N bytes)".
std::string unescape_preview(std::string_view preview, bool* truncated = nullptr);

// Valid UTF-8 holding only characters XML 1.0 allows: an invalid byte becomes U+FFFD, other
// control characters (and U+FFFE/U+FFFF) are dropped. Student output reaches every view.
std::string xml_safe_text(std::string_view s);
// xml_safe_text, then & < > " ' as entities: safe in XML and HTML text and attributes.
std::string xml_escape(std::string_view s);

}  // namespace sockgrade::report
