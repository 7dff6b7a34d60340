#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "core/fd.hpp"
#include "report/json_writer.hpp"
#include "report/text_writer.hpp"
#include "support/sample_report.hpp"
#include "support/result_matchers.hpp"
#include "support/temp_dir.hpp"

namespace sockgrade::report {
namespace {

using ::testing::HasSubstr;
using sockgrade::testing::FailsWith;
using ::testing::Not;
using nlohmann::json;

std::vector<std::string> names_in(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// Each of `parts` appears in `text`; each one missing is a failure of its own, naming it.
void expect_all_in(const std::string& text, const std::vector<std::string>& parts) {
  for (const auto& part : parts) EXPECT_THAT(text, HasSubstr(part));
}

TEST(RenderText, ListsEveryCheckWithItsBadge) {
  expect_all_in(render_text(testing::sample_report(), TextOptions{}),
                {"PASS  basic.small-echo", "FAIL  shutdown.half-close", "ERR   resources.idle-cpu", "0/10", "8/8"});
}

TEST(RenderText, ExplainsTheFailure) {
  auto r = testing::sample_report();
  auto text = render_text(r, TextOptions{});
  const auto& failed = r.tests[1];
  expect_all_in(text, {failed.message, "hint", failed.hint, "reproduce      " + failed.repro,
                       "half-close",  // the trace
                       "64.0 KiB in 2 calls", "harness error", "cannot read /proc/1234/stat"});
  // A passed check is one line: its message is not repeated below.
  EXPECT_THAT(text, Not(HasSubstr(r.tests[0].message)));
}

TEST(RenderText, EndsWithTheScore) {
  // The score, then counts of what the student sees; hidden checks only as a total.
  expect_all_in(render_text(testing::sample_report(), TextOptions{}),
                {"score 19/43", "2 passed · 1 failed · 1 timed out", "1 skipped", "2 hidden checks: 5/9 points",
                 "1 harness error (not counted: score incomplete)"});
  auto r = testing::sample_report();
  r.score = 12.5;
  EXPECT_THAT(render_text(r, TextOptions{}), HasSubstr("score 12.5"));
}

TEST(RenderText, ColorOnlyWhenAsked) {
  EXPECT_THAT(render_text(testing::sample_report(), TextOptions{}), Not(HasSubstr("\033[")));
  EXPECT_THAT(render_text(testing::sample_report(), TextOptions{true, false}), HasSubstr("\033["));
}

TEST(RenderText, ShowsAFailedBuild) {
  auto r = testing::sample_report_with_failed_build("server.c:3:1: error: expected ';'\n");
  auto text = render_text(r, TextOptions{});
  EXPECT_THAT(text, HasSubstr("The build failed"));
  EXPECT_THAT(text, HasSubstr("expected ';'"));
}

TEST(WriteJson, WritesTheFileAtomically) {
  testing::TempDir dir;
  auto path = (dir / "alice.json").string();
  auto r = testing::sample_report();
  auto w = write_json(r, path);
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"alice.json"});  // no temporary left
  auto content = testing::read_file(path);
  ASSERT_FALSE(content.empty());
  EXPECT_EQ(content.back(), '\n');
  EXPECT_EQ(json::parse(content), to_json(r));
  struct stat st{};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST(WriteJson, ReplacesAnExistingFileByRename) {
  testing::TempDir dir;
  auto path = dir.write("alice.json", "old report");
  // A reader that opened the old file keeps the old content: the new file was renamed over
  // it, never rewritten in place (a half-written report is never visible).
  Fd reader(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(reader.valid());
  auto w = write_json(testing::sample_report(), path.string());
  ASSERT_TRUE(w.ok()) << w.error().message;
  char buf[64] = {0};
  ASSERT_EQ(::pread(reader.get(), buf, sizeof buf - 1, 0), 10);
  EXPECT_STREQ(buf, "old report");
  EXPECT_EQ(json::parse(testing::read_file(path)), to_json(testing::sample_report()));
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"alice.json"});
}

TEST(WriteJson, MissingDirectoryIsAnErrorNamingThePath) {
  testing::TempDir dir;
  auto path = (dir / "no/such/dir/alice.json").string();
  EXPECT_THAT(write_json(testing::sample_report(), path), FailsWith(HasSubstr(path)));
  EXPECT_TRUE(names_in(dir.path()).empty());
}

TEST(WriteFileAtomically, RelativePathInTheCurrentDirectory) {
  testing::TempDir dir;
  auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  auto w = write_file_atomically("plain.txt", "content\n");
  std::filesystem::current_path(cwd);
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_EQ(testing::read_file(dir / "plain.txt"), "content\n");
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"plain.txt"});
}

TEST(RenderJson, IsTheModelIndentedWithANewline) {
  auto text = render_json(testing::sample_report());
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(json::parse(text), to_json(testing::sample_report()));
  EXPECT_THAT(text, HasSubstr("\n  \"schema\": \"sockgrade.report/1\""));
}

TEST(RenderJson, InvalidUtf8InStudentOutputDoesNotThrow) {
  auto r = testing::sample_report();
  r.tests[1].message = "received \xff\xfe";
  std::string text;
  EXPECT_NO_THROW(text = render_json(r));
  json parsed;
  EXPECT_NO_THROW(parsed = json::parse(text));
  EXPECT_TRUE(parsed.is_object());
}

}  // namespace
}  // namespace sockgrade::report
