// Gradescope's autograder results.json (gradescope-autograders.readthedocs.io, "Autograder
// Specifications"), with only the documented keys. Gradescope knows two test statuses,
// passed and failed: a timeout and a skipped check are "failed" there, and their real status is
// in the tags and the output. A harness error is neither: it has no score, max_score or status
// (Gradescope then shows it without points) and its name says it was not counted, so the
// grader's failure never looks like the student's. A hidden check keeps its place with
// visibility "hidden": Gradescope never shows it to the student, the instructor sees it all;
// the top-level output tells the student only the hidden total.
#include "report/formats.hpp"
#include "report/text_writer.hpp"
#include "report/view.hpp"

namespace sockgrade::report {
namespace {

std::string test_output(const TestResult& t) {
  if (t.status == "passed") return t.message;
  // Gradescope says "failed" for all of these: the first line says which it really was.
  // (A harness error's details already begin with "harness error".)
  std::string head = t.status == "failed" || t.status == "error" ? "" : status_words(t.status) + "\n";
  return head + render_test_details(t, TextOptions{});
}

}  // namespace

std::string render_gradescope(const Report& r) {
  using nlohmann::ordered_json;
  ordered_json tests = ordered_json::array();
  int number = 0;
  for (const auto& t : r.tests) {
    ordered_json test = {{"name", t.id + ": " + t.title}, {"number", std::to_string(++number)}};
    if (t.status == "error") {
      test["name"] = t.id + ": " + t.title + " (harness error: not counted)";
    } else {
      test["score"] = round2(t.score);
      test["max_score"] = round2(t.max_score);
      test["status"] = t.status == "passed" ? "passed" : "failed";
    }
    test["output"] = test_output(t);
    test["tags"] = ordered_json::array({t.category, t.status});
    test["visibility"] = t.hidden ? "hidden" : "visible";
    tests.push_back(std::move(test));
  }
  ordered_json doc = {{"score", round2(r.score)},
                      {"execution_time", static_cast<int64_t>(std::llround(r.duration_ms / 1000.0))},
                      {"output", summary_text(r)},
                      {"output_format", "text"},
                      {"visibility", "visible"},
                      {"stdout_visibility", "hidden"},
                      {"tests", tests}};
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace sockgrade::report
