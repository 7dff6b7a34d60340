// Grading one submission on one lab: the build in a cell, then each selected check in its own
// cell (several at once when network namespaces isolate them), then the report.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cell/isolation.hpp"
#include "grading/catalogue.hpp"
#include "core/result.hpp"
#include "lab/lab_spec.hpp"
#include "lab/submission.hpp"
#include "report/model.hpp"

namespace sockgrade::grading {

struct RunRequest {
  const Catalogue* catalogue = nullptr;  // where the lab's check ids are found (required)
  lab::LabSpec lab;
  lab::Submission submission;
  std::optional<uint64_t> seed;   // default: derived from the submission's hash
  double stretch = 1.0;
  int jobs = 0;                   // checks at once; 0 chooses (1 without a network namespace)
  cell::Isolation isolation;
  bool trace_all = false;         // keep the event trace of passed checks too
  std::string lab_arg;            // as the user typed them, for the reproduce lines
  std::string submission_arg;
  std::function<void(const report::TestResult&)> on_test;  // progress, as each check ends
};

// An id matches a glob, a category ("sigpipe"), a name ("half-close") or, for a plain word,
// any part of the id ("restart").
bool check_matches(const std::string& pattern, const std::string& id);

// The lab's checks whose ids match any of `globs` (all when empty); an error when none does.
Result<std::vector<lab::CheckSpec>> select_checks(const lab::LabSpec& lab, const std::vector<std::string>& globs);

report::Report run_lab(const RunRequest& request, const std::vector<lab::CheckSpec>& selected);

// The default seed of a submission: stable across re-runs of the same files.
uint64_t seed_for(const lab::Submission& sub);

}  // namespace sockgrade::grading
