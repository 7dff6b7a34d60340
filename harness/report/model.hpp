// The report model (BRIEF §6): one immutable value per graded submission. Every output
// format is a view of it; the JSON view is the schema `sockgrade.report/1`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sockgrade::report {

struct TestResult {
  std::string id;
  std::string title;
  std::string category;
  std::string status;  // passed | failed | error | timeout | skipped
  double score = 0;
  double max_score = 0;  // what counts in the total: the weight, or 0 for a harness error
  double weight = 0;     // the lab's weight for this check
  double duration_ms = 0;
  std::string message;
  std::string hint;
  std::string requirement = {};                        // "= {}": may be left out of a designated initialiser
  bool hidden = false;
  std::string repro = {};                              // failures: the command that reproduces it
  nlohmann::json evidence = nlohmann::json::object();  // failures: what was observed
  nlohmann::json trace = nlohmann::json::array();      // failures: the event timeline
};

struct Build {
  std::string status = "skipped";  // ok | failed | error (the harness could not build) | skipped
  std::string command;
  std::string log;
  int warnings = 0;
  double duration_ms = 0;
  std::string message;
};

struct Report {
  std::string schema = "sockgrade.report/1";
  std::string tool_name;
  std::string tool_version;
  std::string lab;
  std::string lab_title;
  std::string submission_id;
  std::string submission_path;
  std::string submission_sha256;
  std::string submission_kind;  // sources | executable
  std::string started_at;
  double duration_ms = 0;
  uint64_t seed = 0;
  nlohmann::json environment = nlohmann::json::object();  // isolation, kernel, limits, stretch, jobs
  Build build;
  double score = 0;
  double max_score = 0;
  std::vector<TestResult> tests;

  // Derived views, computed from `tests`.
  bool complete() const;  // no check ended in error
  int count(const std::string& status) const;
};

// A check's points from its status and weight. A harness error is left out of the score and of
// max_score alike: the grader's failure never costs the student points (BRIEF §6).
void settle(TestResult& t);
// The report's score and max_score: the sums over its checks.
void total(Report& r);

// Points as every report format writes them: rounded to hundredths.
double round2(double x);

nlohmann::json to_json(const Report& r);
Report report_from_json(const nlohmann::json& j);

}  // namespace sockgrade::report
