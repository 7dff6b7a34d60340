// Every bundled lab, resolved (after "extends" and the build defaults), has exactly the build, run,
// limits and points of its snapshot in resolved/: what a lab inherits, so that a change to
// labs/base/defaults.json or to a lab others extend shows in every lab it reaches. The snapshots
// were first written by `sockgrade explain LAB --json` from labs/*.json as they were at commit
// 88275a9, when each file spelled out everything, and proved that inheriting changed nothing.
// They leave out "checks": a lab's checks and weights are pinned by its fixtures' expectations and
// the ConcurrentLabs tests, so that adding a check is one line in one lab file, not five files.
// A lab changed on purpose gets its snapshot rewritten (explain --json, without "checks"). The echo
// labs resolve to schema 3 since echo-server.json writes basic.small-echo and basic.binary as scenarios.
#include "sockgrade_source_dir.hpp"
#include "lab/lab_loader.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

namespace sockgrade::lab {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kLabs = fs::path(SOCKGRADE_TEST_SOURCE_DIR) / "labs";
const fs::path kSnapshots = fs::path(SOCKGRADE_TEST_SOURCE_DIR) / "harness/tests/lab/resolved";

std::set<std::string> json_stems(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".json") out.insert(e.path().stem().string());
  }
  return out;
}

TEST(ResolvedLabs, EveryBundledLabHasASnapshotAndEverySnapshotALab) {
  EXPECT_EQ(json_stems(kLabs), json_stems(kSnapshots));
  // The nine labs with built-in checks and the three written only as data (daytime, command, chat).
  EXPECT_EQ(json_stems(kLabs).size(), 12u);
}

TEST(ResolvedLabs, EachEqualsItsSnapshot) {
  for (const auto& name : json_stems(kSnapshots)) {
    auto lab = load_lab_file(kLabs / (name + ".json"));
    ASSERT_TRUE(lab.ok()) << name << ": " << lab.error().message;
    std::ifstream in(kSnapshots / (name + ".json"));
    auto expected = json::parse(in);
    auto resolved = json::parse(lab_to_json(*lab).dump());
    resolved.erase("checks");
    // The patch from the snapshot to the resolved lab names every difference.
    EXPECT_EQ(resolved, expected) << name << ": " << json::diff(expected, resolved).dump();
  }
}

TEST(ResolvedLabs, EachIsOutOfItsPointsWhateverItsWeightsAddUpTo) {
  for (const auto& name : json_stems(kSnapshots)) {
    auto lab = load_lab_file(kLabs / (name + ".json"));
    ASSERT_TRUE(lab.ok()) << name << ": " << lab.error().message;
    EXPECT_EQ(lab->points, 100) << name;
    double total = 0;
    for (const auto& c : lab->checks) total += c.weight;
    EXPECT_NEAR(total, lab->points, 1e-9) << name;
  }
}

}  // namespace
}  // namespace sockgrade::lab
