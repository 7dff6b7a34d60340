// One outcome for a check played in several cells: the worst part speaks, else the passes joined.
#include "grading/merge_parts.hpp"

#include <gtest/gtest.h>

namespace sockgrade::grading {
namespace {

cell::CellOutcome part(const std::string& status, const std::string& message, double ms = 10) {
  cell::CellOutcome o;
  o.ok = true;
  o.result = {{"status", status}, {"message", message}, {"duration_ms", ms}};
  o.duration_ms = ms;
  return o;
}

cell::CellOutcome broken_cell(const std::string& why) {
  cell::CellOutcome o;
  o.error = why;
  return o;
}

TEST(MergeParts, OnePartIsTheCheck) {
  auto merged = merge_parts({part("timeout", "slow")});
  EXPECT_EQ(merged.result["status"], "timeout");
  EXPECT_EQ(merged.result["message"], "slow");
}

TEST(MergeParts, TheFirstFailureSpeaksForTheCheck) {
  auto merged = merge_parts({part("passed", "a"), part("failed", "b"), part("timeout", "c"), part("failed", "d")});
  EXPECT_EQ(merged.result["status"], "failed");
  EXPECT_EQ(merged.result["message"], "b");
}

TEST(MergeParts, ATimeoutOutranksAnErrorAndAnErrorOutranksPasses) {
  EXPECT_EQ(merge_parts({part("error", "e"), part("timeout", "t")}).result["message"], "t");
  EXPECT_EQ(merge_parts({part("passed", "p"), part("error", "e"), part("skipped", "s")}).result["message"], "e");
}

TEST(MergeParts, ACellThatCouldNotRunIsAnError) {
  auto merged = merge_parts({part("passed", "a"), broken_cell("fork failed")});
  EXPECT_FALSE(merged.ok);
  EXPECT_EQ(merged.error, "fork failed");
  // A failure still outranks it.
  EXPECT_EQ(merge_parts({broken_cell("x"), part("failed", "f")}).result["message"], "f");
}

TEST(MergeParts, AnUnknownStatusIsAnErrorNotAPass) {
  auto merged = merge_parts({part("passed", "a"), part("maybe", "m")});
  EXPECT_EQ(merged.result["message"], "m");
}

TEST(MergeParts, PassesAreJoinedAndSkippedPartsLeftOut) {
  auto merged = merge_parts({part("skipped", "nothing here", 5), part("passed", "one", 30), part("passed", "two", 20)});
  EXPECT_EQ(merged.result["status"], "passed");
  EXPECT_EQ(merged.result["message"], "one; two");
  EXPECT_DOUBLE_EQ(merged.duration_ms, 30);
  EXPECT_DOUBLE_EQ(merged.result["duration_ms"].get<double>(), 30);
}

TEST(MergeParts, APartWithNothingToDoAddsNoTextAndNoEvidence) {
  auto idle = part("passed", "", 1);
  auto worked = part("passed", "replayed a", 40);
  worked.result["evidence"] = {{"replayed", {"a"}}};
  auto merged = merge_parts({idle, worked, part("passed", "replayed b", 30)});
  EXPECT_EQ(merged.result["status"], "passed");
  EXPECT_EQ(merged.result["message"], "replayed a; replayed b");
  EXPECT_EQ(merged.result["evidence"]["replayed"], nlohmann::json({"a"}));  // from the first part that worked
  EXPECT_DOUBLE_EQ(merged.duration_ms, 40);
}

TEST(MergeParts, AllSkippedIsTheFirstSkip) {
  auto merged = merge_parts({part("skipped", "first"), part("skipped", "second")});
  EXPECT_EQ(merged.result["status"], "skipped");
  EXPECT_EQ(merged.result["message"], "first");
}

}  // namespace
}  // namespace sockgrade::grading
