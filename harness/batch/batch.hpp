// `sockgrade grade`: every submission of a directory graded by a child `sockgrade test`
// process of its own (a crash or a hostile program ends only that child), N at once; one JSON
// report per submission written atomically (then batch/class_files.hpp: the gradebook, the
// summary, the HTML reports and the dashboard).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "batch/collect.hpp"

namespace sockgrade::batch {

struct BatchRequest {
  std::string lab;  // as given: a name or a path
  std::filesystem::path submissions;
  std::filesystem::path out;
  int jobs = 2;  // submissions at once
  Shard shard;
  bool resume = false;
  std::vector<std::string> test_args;  // passed on to every `sockgrade test` (--isolation, --stretch)
};

struct BatchResult {
  int graded = 0;       // this run
  int skipped = 0;      // --resume: already graded
  int not_graded = 0;   // rejected archives, harness failures
  bool interrupted = false;
};

// Runs the batch; progress goes to stderr (a bar on a terminal, plain lines otherwise).
Result<BatchResult> run_batch(const BatchRequest& req);

}  // namespace sockgrade::batch
