// Submission ids, shards and the gradebook: functions of the inputs alone.
#include "batch/gradebook.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "batch/collect.hpp"
#include "support/result_matchers.hpp"
#include "support/temp_dir.hpp"

namespace sockgrade::batch {
namespace {
namespace fs = std::filesystem;
using ::testing::HasSubstr;
using sockgrade::testing::FailsWith;
using nlohmann::json;

using sockgrade::testing::TempDir;

TEST(Collect, IdsAreSafe) {
  EXPECT_EQ(safe_id("alice"), "alice");
  EXPECT_EQ(safe_id("Bob Smith (2)"), "Bob_Smith__2_");
  EXPECT_EQ(safe_id("../x"), "_._x");
  EXPECT_EQ(safe_id("=cmd"), "_cmd");
  EXPECT_EQ(safe_id("-rf"), "_rf");
  EXPECT_EQ(safe_id(""), "_");
}

TEST(Collect, DirectoriesAndArchivesSortedOthersIgnored) {
  TempDir s;
  fs::create_directories(s / "subs/zed");
  fs::create_directories(s / "subs/alice");
  fs::create_directories(s / "subs/.git");
  std::ofstream(s / "subs/bob.tar.gz") << "";
  std::ofstream(s / "subs/notes.txt") << "";
  auto c = collect_submissions(s / "subs");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->entries.size(), 3u);
  EXPECT_EQ(c->entries[0].id, "alice");
  EXPECT_EQ(c->entries[1].id, "bob");
  EXPECT_TRUE(c->entries[1].archive);
  EXPECT_EQ(c->entries[2].id, "zed");
  EXPECT_EQ(c->ignored, std::vector<std::string>{"notes.txt"});
}

TEST(Collect, TwoEntriesWithOneIdAreAnError) {
  TempDir s;
  fs::create_directories(s / "subs/alice");
  std::ofstream(s / "subs/alice.zip") << "";
  EXPECT_THAT(collect_submissions(s / "subs"), FailsWith(HasSubstr("'alice'")));
  EXPECT_FALSE(collect_submissions(s / "missing"));
}

TEST(Shard, ParseAndSplitCoverEverythingOnce) {
  for (const char* bad : {"4/4", "1", "-1/2", "1/0", "1/2x"}) EXPECT_FALSE(parse_shard(bad)) << bad;
  std::vector<Entry> all;
  for (int i = 0; i < 10; ++i) {
    Entry e;
    e.id = "s" + std::to_string(i);
    all.push_back(e);
  }
  std::vector<std::string> seen;
  for (int i = 0; i < 4; ++i) {
    auto shard = parse_shard(std::to_string(i) + "/4");
    ASSERT_TRUE(shard);
    for (const auto& e : shard_of(all, *shard)) seen.push_back(e.id);
  }
  std::sort(seen.begin(), seen.end());
  std::vector<std::string> ids;
  for (const auto& e : all) ids.push_back(e.id);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(seen, ids);
}

json report(double score, const std::string& build, std::vector<std::tuple<std::string, std::string, std::string, double>> tests) {
  json j = {{"score", score}, {"max_score", 10}, {"complete", true}, {"build", {{"status", build}}}, {"tests", json::array()}};
  for (auto& [id, cat, status, sc] : tests) j["tests"].push_back({{"id", id}, {"category", cat}, {"status", status}, {"score", sc}});
  return j;
}

TEST(Gradebook, RowsFromReportsAndErrors) {
  TempDir s;
  fs::create_directories(s / "reports");
  fs::create_directories(s / "errors");
  std::ofstream(s / "reports/bob.json") << report(7.5, "ok", {{"basic.a", "basic", "passed", 5}, {"sigpipe.b", "sigpipe", "failed", 0}, {"basic.c", "basic", "passed", 2.5}});
  std::ofstream(s / "reports/alice.json") << report(10, "ok", {{"basic.a", "basic", "passed", 5}, {"sigpipe.b", "sigpipe", "passed", 5}});
  std::ofstream(s / "reports/.carol.json.Ab12Cd") << "{ half";  // an interrupted write: ignored
  std::ofstream(s / "errors/=evil.json") << error_record("=evil", "rejected", "archive refused: entry '../x' climbs out, with \"quotes\"");
  auto rows = load_rows(s.path());
  ASSERT_TRUE(rows) << rows.error().message;
  EXPECT_EQ(gradebook_csv(*rows),
            "id,score,max_score,basic,sigpipe,build,complete,note\n"
            "'=evil,0,,,,rejected,,\"archive refused: entry '../x' climbs out, with \"\"quotes\"\"\"\n"
            "alice,10,10,5,5,ok,yes,\n"
            "bob,7.50,10,7.50,0,ok,yes,\n");
  auto summary = summary_text(*rows);
  EXPECT_THAT(summary, HasSubstr("3 submissions: 2 graded (0 did not build), 1 not graded"));
  EXPECT_THAT(summary, HasSubstr("1  sigpipe.b"));
}

TEST(Gradebook, AnIncompleteReportSaysWhichChecksWereNotCounted) {
  TempDir s;
  fs::create_directories(s / "reports");
  auto dave = report(5, "ok", {{"basic.a", "basic", "passed", 5}, {"sigpipe.b", "sigpipe", "error", 0}});
  dave["max_score"] = 5;
  dave["complete"] = false;
  std::ofstream(s / "reports/dave.json") << dave;
  auto rows = load_rows(s.path());
  ASSERT_TRUE(rows) << rows.error().message;
  EXPECT_THAT(gradebook_csv(*rows), HasSubstr("dave,5,5,5,0,ok,no,incomplete: harness error in sigpipe.b (not counted)\n"));
  EXPECT_THAT(summary_text(*rows), HasSubstr("incomplete: dave: incomplete: harness error in sigpipe.b"));
}

TEST(Gradebook, AReportThatIsNotJsonIsAnError) {
  TempDir s;
  fs::create_directories(s / "reports");
  std::ofstream(s / "reports/x.json") << "not json";
  EXPECT_THAT(load_rows(s.path()), FailsWith(HasSubstr("x.json")));
}

}  // namespace
}  // namespace sockgrade::batch
