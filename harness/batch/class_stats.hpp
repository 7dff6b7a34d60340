// The class's figures, from the gradebook's rows alone: the score distribution, how often each
// check was not passed, and the mean points per category. The summary and the dashboard both
// draw them, so the two never disagree.
#pragma once

#include <string>
#include <vector>

#include "batch/gradebook.hpp"

namespace sockgrade::batch {

// Tenths of the maximum: bins 0 (0-9%) to 9 (90-99%), and 10 for a full score.
inline constexpr int kScoreBins = 11;
int score_bin(double score, double max_score);
// "0-9%", ..., "90-99%", "100%".
std::string score_bin_label(int bin);
// A graded row's score as a percentage of its max_score (0 when that is 0).
double percent_of(const Row& row);

struct CheckTally {
  std::string id;
  std::string title;
  std::string category;
  bool hidden = false;
  int passed = 0;
  int not_passed = 0;  // failed, timed out or skipped: what the student is charged for
  int errored = 0;     // a harness error: neither passed nor charged, left out of the rate
  // not_passed over the submissions with a verdict; 0 when none had one.
  double failure_rate() const;
};

struct CategoryMean {
  std::string category;
  double mean = 0;  // points, over the graded submissions
  double max = 0;   // the category's weight (a mean, should reports of several labs be mixed)
};

struct ClassStats {
  int graded = 0;
  int build_failed = 0;
  int not_graded = 0;
  std::vector<int> histogram = std::vector<int>(kScoreBins, 0);
  double mean_percent = 0;
  double median_percent = 0;
  std::vector<CheckTally> checks;          // highest failure rate first, then in report order
  std::vector<CategoryMean> categories;    // in the order of the first report that has them
};

ClassStats class_stats(const std::vector<Row>& rows);

}  // namespace sockgrade::batch
