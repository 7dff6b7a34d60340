// PrairieLearn's external-grader results.json: gradable, score as a fraction 0-1, message,
// output, tests[] (name, description, points, max_points, message, output). PrairieLearn has
// no per-test visibility, so a hidden check is left out of tests[] and appears only in the
// hidden total of the message; the score still counts it.
//
// gradable is false when the build failed or a check ended in a harness error: PrairieLearn
// then records no score (the student is not charged an attempt for a compile error, and never
// for the harness's own failure); the message says why.
#include <algorithm>
#include <cmath>

#include "report/formats.hpp"
#include "report/text_writer.hpp"
#include "report/view.hpp"

namespace sockgrade::report {
namespace {

double round4(double x) { return std::round(x * 10000.0) / 10000.0; }

}  // namespace

std::string render_prairielearn(const Report& r) {
  using nlohmann::ordered_json;
  ordered_json tests = ordered_json::array();
  for (const auto* t : visible_tests(r)) {
    std::string output = t->status == "passed" ? "" : render_test_details(*t, TextOptions{});
    std::string message = t->status == "passed" ? t->message : status_words(t->status) + ": " + t->message;
    tests.push_back({{"name", t->id},
                     {"description", t->title},
                     {"points", round2(t->score)},
                     {"max_points", round2(t->max_score)},
                     {"message", message},
                     {"output", output}});
  }
  bool gradable = r.build.status != "failed" && r.complete();
  std::string message;
  if (r.build.status == "failed") {
    message = "The build failed, so nothing was graded: " + r.build.message + ". The compiler's output is below.";
  } else if (!r.complete()) {
    message = "The grader could not run every check (harness error), so this submission was not scored; it says "
              "nothing about your program. Ask your instructor to re-run it.";
  } else {
    message = summary_line(r) + ".";
    if (auto hidden = hidden_line(r); !hidden.empty()) message += " " + hidden + " (counted in the score, not shown).";
  }
  double fraction = r.max_score > 0 ? r.score / r.max_score : 0.0;
  ordered_json doc = {{"gradable", gradable},
                      {"score", round4(std::clamp(fraction, 0.0, 1.0))},
                      {"message", message},
                      {"output", summary_text(r)},
                      {"tests", tests}};
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace sockgrade::report
