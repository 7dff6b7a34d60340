#include "batch/class_stats.hpp"

#include <algorithm>
#include <map>

namespace sockgrade::batch {
namespace {

std::vector<CheckTally> tally_checks(const std::vector<Row>& rows) {
  std::vector<CheckTally> tallies;
  std::map<std::string, std::size_t> index;
  for (const auto& row : rows) {
    for (const auto& c : row.checks) {
      auto [it, fresh] = index.emplace(c.id, tallies.size());
      if (fresh) tallies.push_back(CheckTally{.id = c.id, .title = c.title, .category = c.category, .hidden = c.hidden});
      auto& t = tallies[it->second];
      if (c.status == "passed") ++t.passed;
      else if (c.status == "error") ++t.errored;
      else ++t.not_passed;
    }
  }
  std::stable_sort(tallies.begin(), tallies.end(),
                   [](const CheckTally& a, const CheckTally& b) { return a.failure_rate() > b.failure_rate(); });
  return tallies;
}

// Points and weights summed per category over the graded rows, then divided by their number.
std::vector<CategoryMean> category_means(const std::vector<Row>& rows, int graded) {
  std::vector<CategoryMean> means;
  auto entry = [&](const std::string& cat) -> CategoryMean& {
    auto it = std::find_if(means.begin(), means.end(), [&](const CategoryMean& m) { return m.category == cat; });
    if (it != means.end()) return *it;
    means.push_back(CategoryMean{.category = cat});
    return means.back();
  };
  for (const auto& row : rows) {
    if (!row.graded) continue;
    for (const auto& [cat, points] : row.categories) entry(cat).mean += points;
    for (const auto& c : row.checks) entry(c.category).max += c.weight;
  }
  for (auto& m : means) {
    m.mean /= graded;
    m.max /= graded;
  }
  return means;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t mid = v.size() / 2;
  return v.size() % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

}  // namespace

int score_bin(double score, double max_score) {
  int pct = max_score > 0 ? static_cast<int>(score * 100 / max_score) : 0;
  return std::clamp(pct / 10, 0, kScoreBins - 1);
}

std::string score_bin_label(int bin) {
  if (bin >= kScoreBins - 1) return "100%";
  return std::to_string(bin * 10) + "-" + std::to_string(bin * 10 + 9) + "%";
}

double percent_of(const Row& row) { return row.max_score > 0 ? row.score * 100 / row.max_score : 0; }

double CheckTally::failure_rate() const {
  int judged = passed + not_passed;
  return judged > 0 ? static_cast<double>(not_passed) / judged : 0;
}

ClassStats class_stats(const std::vector<Row>& rows) {
  ClassStats s;
  std::vector<double> percents;
  for (const auto& r : rows) {
    if (!r.graded) {
      ++s.not_graded;
      continue;
    }
    ++s.graded;
    if (r.build == "failed") ++s.build_failed;
    ++s.histogram[static_cast<std::size_t>(score_bin(r.score, r.max_score))];
    percents.push_back(percent_of(r));
  }
  if (s.graded > 0) {
    for (double p : percents) s.mean_percent += p;
    s.mean_percent /= s.graded;
    s.median_percent = median(percents);
    s.categories = category_means(rows, s.graded);
  }
  s.checks = tally_checks(rows);
  return s;
}

}  // namespace sockgrade::batch
