#include "report/model.hpp"

#include <gtest/gtest.h>

#include "support/sample_report.hpp"

namespace sockgrade::report {
namespace {

using nlohmann::json;

TEST(ReportModel, CountsStatuses) {
  auto r = testing::sample_report();
  EXPECT_EQ(r.count("passed"), 3);
  EXPECT_EQ(r.count("failed"), 2);
  EXPECT_EQ(r.count("error"), 1);
  EXPECT_EQ(r.count("timeout"), 1);
  EXPECT_EQ(r.count("skipped"), 1);
  EXPECT_FALSE(r.complete());
  r.tests.erase(r.tests.begin() + 2);  // the harness error
  EXPECT_TRUE(r.complete());
}

TEST(ReportJson, CarriesTheRequiredFields) {
  auto j = to_json(testing::sample_report());
  EXPECT_EQ(j["schema"], "sockgrade.report/1");
  EXPECT_EQ(j["tool"]["name"], "sockgrade");
  EXPECT_EQ(j["lab"], "echo-server");
  EXPECT_EQ(j["submission"]["sha256"], std::string(64, 'a'));
  EXPECT_EQ(j["seed"], 42);
  EXPECT_EQ(j["score"], 19);
  EXPECT_EQ(j["max_score"], 43);  // the harness error (weight 6) is not counted
  EXPECT_EQ(j["complete"], false);
  EXPECT_EQ(j["summary"], (json{{"passed", 3}, {"failed", 2}, {"timeout", 1}, {"error", 1}, {"skipped", 1}}));
  EXPECT_EQ(j["categories"]["shutdown"], (json{{"score", 0}, {"max_score", 10}}));
  EXPECT_EQ(j["categories"]["basic"], (json{{"score", 14}, {"max_score", 14}}));
  ASSERT_EQ(j["tests"].size(), 8u);
  // The instructors' report keeps hidden checks whole, marked.
  EXPECT_EQ(j["tests"][6]["hidden"], true);
  EXPECT_EQ(j["tests"][6]["evidence"]["sent"]["preview"], testing::kHiddenMarker);
  EXPECT_EQ(j["tests"][0]["hidden"], false);
  const auto& failed = j["tests"][1];
  EXPECT_EQ(failed["status"], "failed");
  EXPECT_EQ(failed["repro"], "sockgrade test echo-server /subs/alice --only shutdown.half-close --seed 42");
  EXPECT_EQ(failed["trace"].size(), 4u);
  EXPECT_EQ(failed["evidence"]["received_end"], "eof");
  // A passed check with an empty trace carries no trace; an error carries one, even empty.
  EXPECT_FALSE(j["tests"][0].contains("trace"));
  EXPECT_TRUE(j["tests"][2].contains("trace"));
  EXPECT_TRUE(j["tests"][2].contains("evidence"));
}

TEST(ReportJson, RoundsScoresAndDurations) {
  auto r = testing::sample_report();
  r.tests[0].score = 8.0 / 3.0;
  r.tests[0].duration_ms = 12.6;
  auto j = to_json(r);
  EXPECT_DOUBLE_EQ(j["tests"][0]["score"].get<double>(), 2.67);
  EXPECT_DOUBLE_EQ(j["tests"][0]["duration_ms"].get<double>(), 13.0);
}

TEST(ReportJson, RoundTripsThroughText) {
  auto r = testing::sample_report();
  json first = to_json(r);
  Report back = report_from_json(json::parse(first.dump()));
  json second = to_json(back);
  EXPECT_EQ(first, second) << first.dump(2) << "\n---\n" << second.dump(2);
  // Fields that are not derived survive one by one.
  EXPECT_EQ(back.submission_kind, "sources");
  EXPECT_EQ(back.lab_title, r.lab_title);
  EXPECT_EQ(back.tests[1].requirement, r.tests[1].requirement);
  EXPECT_EQ(back.tests[1].repro, r.tests[1].repro);
  EXPECT_EQ(back.tests[1].trace, r.tests[1].trace);
  EXPECT_EQ(back.environment, r.environment);
  EXPECT_EQ(back.seed, r.seed);
}

TEST(ReportJson, RoundTripsHiddenAndLargeSeed) {
  auto r = testing::sample_report();
  r.seed = 18446744073709551615ull;
  r.tests[0].hidden = true;
  json first = to_json(r);
  Report back = report_from_json(json::parse(first.dump()));
  EXPECT_EQ(back.seed, r.seed);
  EXPECT_TRUE(back.tests[0].hidden);
  EXPECT_EQ(to_json(back), first);
}

TEST(Settle, AHarnessErrorIsLeftOutOfScoreAndMaxScore) {
  Report r;
  for (const char* status : {"passed", "failed", "error", "timeout"}) {
    TestResult t;
    t.status = status;
    t.weight = 10;
    settle(t);
    r.tests.push_back(t);
  }
  total(r);
  EXPECT_EQ(r.tests[2].max_score, 0);
  EXPECT_EQ(r.tests[1].max_score, 10);  // a failure is the student's: it counts
  EXPECT_EQ(r.score, 10);
  EXPECT_EQ(r.max_score, 30);
  EXPECT_FALSE(r.complete());
  EXPECT_EQ(to_json(r)["tests"][2]["weight"], 10);
}

}  // namespace
}  // namespace sockgrade::report
