#include "conformance/expectation.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lab/lab_loader.hpp"
#include "sockgrade_source_dir.hpp"

namespace sockgrade::conformance {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using nlohmann::json;

// Three checks whose weights sum to 100, as most bundled labs do.
lab::LabSpec three_checks() {
  lab::LabSpec lab;
  lab.name = "toy";
  lab.checks = {{.id = "basic.small-echo", .weight = 50},
                {.id = "partial-io.eintr", .weight = 30},
                {.id = "resources.idle-cpu", .weight = 20}};
  return lab;
}

ExpectedScore score_of(const std::string& expect_text, const lab::LabSpec& lab = three_checks()) {
  return expected_score(json::parse(expect_text), lab);
}

std::string error_of(const std::string& expect_text) {
  auto ok = validate_expectation(json::parse(expect_text), three_checks());
  return ok ? "" : ok.error().message;
}

TEST(ExpectedScore, EveryCheckPassesWhenNoneIsListed) {
  auto s = score_of(R"({"lab": "toy"})");
  EXPECT_EQ(s.score, 100);
  EXPECT_EQ(s.max_score, 100);
}

TEST(ExpectedScore, AFailedCheckLosesItsWeight) {
  auto s = score_of(R"({"lab": "toy", "tests": {"partial-io.eintr": "failed"}})");
  EXPECT_EQ(s.score, 70);
  EXPECT_EQ(s.max_score, 100);
}

TEST(ExpectedScore, ASkippedCheckScoresNothingButStillCounts) {
  auto s = score_of(R"({"lab": "toy", "tests": {"resources.idle-cpu": "skipped"}})");
  EXPECT_EQ(s.score, 80);
  EXPECT_EQ(s.max_score, 100);
}

TEST(ExpectedScore, AHarnessErrorIsLeftOutOfScoreAndMaximum) {
  auto s = score_of(R"({"lab": "toy", "tests": {"resources.idle-cpu": "error"}})");
  EXPECT_EQ(s.score, 80);
  EXPECT_EQ(s.max_score, 80);
}

TEST(ExpectedScore, OthersAppliesToEveryUnlistedCheck) {
  auto s = score_of(R"({"lab": "toy", "others": "timeout", "tests": {"basic.small-echo": "passed"}})");
  EXPECT_EQ(s.score, 50);
  EXPECT_EQ(s.max_score, 100);
  EXPECT_EQ(score_of(R"({"lab": "toy", "others": "failed"})").score, 0);
}

TEST(ExpectedScore, IsRoundedAsTheJsonReportRoundsIt) {
  lab::LabSpec lab;
  lab.checks = {{.id = "a.x", .weight = 1.0 / 3}, {.id = "a.y", .weight = 1.0 / 3}, {.id = "a.z", .weight = 1.0 / 3}};
  auto s = score_of(R"({"lab": "toy", "tests": {"a.z": "failed"}})", lab);
  EXPECT_EQ(s.score, 0.67);
  EXPECT_EQ(s.max_score, 1);
}

// The weights come from the lab as the CLI loads it, not from a copy in expect.json.
TEST(ExpectedScore, FollowsTheWeightsOfABundledLab) {
  auto lab = lab::load_lab_file(std::filesystem::path(SOCKGRADE_TEST_SOURCE_DIR) / "labs" / "echo-server.json");
  ASSERT_TRUE(lab) << lab.error().message;
  double total = 0, sigpipe = 0;
  for (const auto& c : lab->checks) {
    total += c.weight;
    if (c.id == "sigpipe.peer-vanishes") sigpipe = c.weight;
  }
  ASSERT_GT(sigpipe, 0);
  auto s = score_of(R"({"lab": "echo-server", "tests": {"sigpipe.peer-vanishes": "failed"}})", *lab);
  // To the hundredth a report shows (weights that are shares of 100 need not add up exactly).
  EXPECT_NEAR(s.score, total - sigpipe, 0.005);
  EXPECT_NEAR(s.max_score, total, 0.005);
}

TEST(ExpectedStatus, IsTheListedOneElseOthersElsePassed) {
  auto expect = json::parse(R"({"lab": "toy", "others": "failed", "tests": {"basic.small-echo": "timeout"}})");
  EXPECT_EQ(expected_status(expect, "basic.small-echo"), "timeout");
  EXPECT_EQ(expected_status(expect, "partial-io.eintr"), "failed");
  EXPECT_EQ(expected_status(json::parse(R"({"lab": "toy"})"), "partial-io.eintr"), "passed");
}

TEST(ValidateExpectation, AcceptsEveryKeyTheFixturesUse) {
  EXPECT_EQ(error_of(R"({"lab": "toy", "description": "d", "submission": "reference/toy", "build": "ok",
                         "exit_code": 1, "others": "failed", "tests": {"basic.small-echo": "passed"},
                         "messages": {"*": "x", "partial-io.eintr": "y"}, "report_contains": ["z"],
                         "no_leftovers": true, "then_reference": true, "requires": ["netns"]})"),
            "");
}

TEST(ValidateExpectation, RejectsAHardCodedScore) {
  EXPECT_THAT(error_of(R"({"lab": "toy", "score": 70})"), AllOf(HasSubstr("score"), HasSubstr("computed")));
}

TEST(ValidateExpectation, NamesAnUnknownKey) {
  EXPECT_EQ(error_of(R"({"lab": "toy", "other": "failed"})"), "expect.json: other: unknown key");
}

TEST(ValidateExpectation, NamesACheckTheLabDoesNotHave) {
  EXPECT_EQ(error_of(R"({"lab": "toy", "tests": {"basic.smal-echo": "failed"}})"),
            "expect.json: tests.basic.smal-echo: not a check of the lab toy");
  EXPECT_EQ(error_of(R"({"lab": "toy", "messages": {"basic.binary": "x"}})"),
            "expect.json: messages.basic.binary: not a check of the lab toy");
}

TEST(ValidateExpectation, NamesAStatusThatIsNoneOfTheReports) {
  EXPECT_THAT(error_of(R"({"lab": "toy", "tests": {"partial-io.eintr": "fail"}})"),
              HasSubstr("tests.partial-io.eintr: \"fail\" is not passed"));
  EXPECT_THAT(error_of(R"({"lab": "toy", "others": "crashed"})"), HasSubstr("expect.json: others: must be"));
  EXPECT_THAT(error_of(R"({"lab": "toy", "build": "broken"})"), HasSubstr("expect.json: build: must be"));
}

}  // namespace
}  // namespace sockgrade::conformance
