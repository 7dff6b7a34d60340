// The class's figures: score bins, failure rates (a harness error charged neither way),
// category means, and the summary drawing the same histogram.
#include "batch/class_stats.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/sample_class.hpp"

namespace sockgrade::batch {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using sockgrade::testing::TempDir;

Row graded(const std::string& id, double score, double max_score) {
  Row r;
  r.id = id;
  r.graded = true;
  r.build = "ok";
  r.score = score;
  r.max_score = max_score;
  r.complete = true;
  return r;
}

TEST(ScoreBins, TenthsOfTheMaximumAndAFullScoreApart) {
  EXPECT_EQ(score_bin(0, 100), 0);
  EXPECT_EQ(score_bin(9.99, 100), 0);
  EXPECT_EQ(score_bin(10, 100), 1);
  EXPECT_EQ(score_bin(7, 10), 7);  // 70%, not 69.999…
  EXPECT_EQ(score_bin(99.9, 100), 9);
  EXPECT_EQ(score_bin(100, 100), 10);
  EXPECT_EQ(score_bin(19, 43), 4);
  EXPECT_EQ(score_bin(5, 0), 0);  // nothing counted: no percentage to speak of
  EXPECT_EQ(score_bin_label(0), "0-9%");
  EXPECT_EQ(score_bin_label(9), "90-99%");
  EXPECT_EQ(score_bin_label(10), "100%");
}

TEST(ClassStats, HistogramMeanAndMedianOfTheGradedOnly) {
  Row rejected;
  rejected.id = "mallory";
  rejected.build = "rejected";
  std::vector<Row> rows = {graded("a", 100, 100), graded("b", 70, 100), graded("c", 69, 100), graded("d", 5, 100), rejected};
  auto s = class_stats(rows);
  EXPECT_EQ(s.graded, 4);
  EXPECT_EQ(s.not_graded, 1);
  EXPECT_THAT(s.histogram, ElementsAre(1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1));
  EXPECT_DOUBLE_EQ(s.mean_percent, 61);
  EXPECT_DOUBLE_EQ(s.median_percent, 69.5);
}

TEST(ClassStats, NobodyGradedIsAllZeros) {
  auto s = class_stats({});
  EXPECT_EQ(s.graded, 0);
  EXPECT_THAT(s.histogram, ElementsAre(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  EXPECT_TRUE(s.checks.empty());
  EXPECT_TRUE(s.categories.empty());
}

TEST(ClassStats, FailureRatesLeaveHarnessErrorsOutAndComeMostFailedFirst) {
  auto a = graded("a", 8, 13), b = graded("b", 3, 8);
  a.checks = {{.id = "basic.x", .category = "basic", .status = "passed", .weight = 8},
              {.id = "io.y", .category = "io", .status = "failed", .weight = 5}};
  b.checks = {{.id = "basic.x", .category = "basic", .status = "error", .weight = 8},
              {.id = "io.y", .category = "io", .status = "timeout", .weight = 5}};
  auto s = class_stats({a, b});
  ASSERT_EQ(s.checks.size(), 2u);
  EXPECT_EQ(s.checks[0].id, "io.y");
  EXPECT_EQ(s.checks[0].not_passed, 2);
  EXPECT_DOUBLE_EQ(s.checks[0].failure_rate(), 1.0);
  EXPECT_EQ(s.checks[1].id, "basic.x");
  EXPECT_EQ(s.checks[1].passed, 1);
  EXPECT_EQ(s.checks[1].errored, 1);
  EXPECT_DOUBLE_EQ(s.checks[1].failure_rate(), 0.0);  // the error is not a failure
}

TEST(ClassStats, CategoryMeansOverTheGradedAgainstTheCategoryWeight) {
  auto a = graded("a", 13, 13), b = graded("b", 3, 13);
  a.categories = {{"basic", 8}, {"io", 5}};
  b.categories = {{"basic", 0}, {"io", 3}};
  for (Row* r : {&a, &b}) {
    r->checks = {{.id = "basic.x", .category = "basic", .status = "passed", .weight = 8},
                 {.id = "io.y", .category = "io", .status = "passed", .weight = 5}};
  }
  auto s = class_stats({a, b});
  ASSERT_EQ(s.categories.size(), 2u);
  EXPECT_EQ(s.categories[0].category, "basic");
  EXPECT_DOUBLE_EQ(s.categories[0].mean, 4);
  EXPECT_DOUBLE_EQ(s.categories[0].max, 8);
  EXPECT_EQ(s.categories[1].category, "io");
  EXPECT_DOUBLE_EQ(s.categories[1].mean, 4);
  EXPECT_DOUBLE_EQ(s.categories[1].max, 5);
}

// The sample class read back from its files, as the dashboard reads it.
TEST(ClassStats, SampleClassFromItsReports) {
  TempDir out;
  testing::write_sample_class(out);
  auto rows = load_rows(out.path());
  ASSERT_TRUE(rows) << rows.error().message;
  auto s = class_stats(*rows);
  EXPECT_EQ(s.graded, 5);
  EXPECT_EQ(s.build_failed, 1);
  EXPECT_EQ(s.not_graded, 2);
  EXPECT_THAT(s.histogram, ElementsAre(1, 0, 0, 0, 2, 0, 0, 0, 0, 1, 1));
  std::vector<std::pair<std::string, int>> rates;
  for (const auto& t : s.checks) rates.emplace_back(t.id, t.not_passed * 100 + t.passed * 10 + t.errored);
  // not passed, passed, errored: the most failed first, ties in report order.
  EXPECT_THAT(rates, ElementsAre(std::pair<std::string, int>{"shutdown.half-close", 320},
                                 std::pair<std::string, int>{"partial-io.short-writes", 320},
                                 std::pair<std::string, int>{"sigpipe.peer-vanishes", 320},
                                 std::pair<std::string, int>{"partial-io.eintr", 230},
                                 std::pair<std::string, int>{"basic.binary", 230},
                                 std::pair<std::string, int>{"connect-accept.queued-while-busy", 230},
                                 std::pair<std::string, int>{"resources.idle-cpu", 131},
                                 std::pair<std::string, int>{"basic.small-echo", 140}));
  // The summary's histogram is the same one.
  EXPECT_THAT(summary_text(*rows), HasSubstr("   40- 49% " + std::string(40, '#') + " 2\n"));
  EXPECT_THAT(summary_text(*rows), HasSubstr("    100% " + std::string(20, '#') + " 1\n"));
}

}  // namespace
}  // namespace sockgrade::batch
