// The batch's results, read back from an output directory (reports/<id>.json for graded
// submissions, errors/<id>.json for those that could not be graded), as a gradebook CSV and a
// summary. Both are functions of those files alone: one run and N merged shards of the same
// submissions give the same bytes.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.hpp"

namespace sockgrade::batch {

// One check of one graded submission, as its report has it.
struct CheckResult {  // "= {}": may be left out of a designated initialiser
  std::string id = {};
  std::string title = {};
  std::string category = {};
  std::string status = {};  // passed | failed | timeout | skipped | error
  double weight = 0;   // the lab's weight, also for a harness error (whose max_score is 0)
  bool hidden = false;
};

struct Row {
  std::string id;
  std::string lab;        // graded only
  std::string lab_title;  // graded only
  bool graded = false;   // a report exists
  std::string build;     // ok | failed | rejected (a refused archive) | harness-error
  double score = 0;
  double max_score = 0;
  bool complete = false;  // every check reached a verdict
  std::vector<std::pair<std::string, double>> categories;  // in the lab's order
  std::vector<std::string> not_passed;                     // check ids
  std::vector<CheckResult> checks;                         // in report order
  std::string note;                                        // why it was not graded
};

// A submission that could not be graded: errors/<id>.json.
nlohmann::json error_record(const std::string& id, const std::string& kind, const std::string& message);

Result<std::vector<Row>> load_rows(const std::filesystem::path& out_dir);

// id,score,max_score,<category>...,build,complete,note — sorted by id.
std::string gradebook_csv(const std::vector<Row>& rows);

// Score distribution (tenths of the maximum) and the most-failed checks.
std::string summary_text(const std::vector<Row>& rows);

}  // namespace sockgrade::batch
