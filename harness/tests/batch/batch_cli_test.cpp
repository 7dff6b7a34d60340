// `sockgrade grade`, `merge` and `render-batch` as an instructor meets them: a directory of
// submissions (sources, an archive, a hostile archive, code that does not compile, an empty
// directory), sharded runs (which find the submissions at another path) merged into the very same
// gradebook and dashboard as one run, the dashboard made again from the reports alone, --resume,
// and Ctrl-C.
#include "sockgrade_source_dir.hpp"
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/wait.hpp"
#include "support/temp_dir.hpp"

namespace sockgrade {
namespace {
namespace fs = std::filesystem;
using ::testing::HasSubstr;

const fs::path kSource = SOCKGRADE_TEST_SOURCE_DIR;

using sockgrade::testing::read_file;
using sockgrade::testing::TempDir;

pid_t start(const std::vector<std::string>& args, const fs::path& log) {
  pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> argv;
    std::string bin = SOCKGRADE_BIN;
    argv.push_back(bin.data());
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::freopen(log.c_str(), "w", stdout);
    ::dup2(STDOUT_FILENO, STDERR_FILENO);  // one file description: no write overwrites another
    ::execv(bin.c_str(), argv.data());
    ::_exit(127);
  }
  return pid;
}

int finish(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int run(const std::vector<std::string>& args, const fs::path& log) { return finish(start(args, log)); }

// A small lab (three checks of echo-server, out of the defaults' 100 points) keeps the test quick;
// the submissions are real.
void make_inputs(TempDir& s) {
  auto lab = nlohmann::json::parse(read_file(kSource / "labs/echo-server.json"));
  lab["contract"] = (kSource / "labs/echo-server.md").string();
  lab["checks"] = {{{"id", "basic.small-echo"}, {"weight", 4}},
                   {{"id", "partial-io.short-writes"}, {"weight", 3}},
                   {{"id", "resources.idle-cpu"}, {"weight", 3}}};
  std::ofstream(s / "lab.json") << lab.dump(2);
  fs::create_directories(s / "subs");
  fs::copy(kSource / "reference/echo-server", s / "subs/ref");
  fs::copy(kSource / "fixtures/echo-server/no-write-loop", s / "subs/no-write-loop");
  fs::copy(kSource / "fixtures/echo-server/does-not-compile", s / "subs/broken");
  fs::copy(kSource / "fixtures/echo-server/crashes-at-start", s / "subs/crashes");
  fs::create_directories(s / "subs/empty");
  std::string tar = "tar -C " + (kSource / "fixtures/echo-server/no-sigpipe-handling").string() + " -czf " +
                    (s / "subs/carol.tar.gz").string() + " server.c";
  ASSERT_EQ(std::system(tar.c_str()), 0);
  std::string evil = "tar -czf " + (s / "subs/mallory.tar.gz").string() + " -C " + (s / "subs").string() +
                     " --transform 's|^|../|' ref";
  ASSERT_EQ(std::system(evil.c_str()), 0);
}

TEST(BatchCli, ShardsMergeIntoTheSameGradebookAsOneRun) {
  TempDir s;
  make_inputs(s);
  std::string lab = (s / "lab.json").string(), subs = (s / "subs").string();
  ASSERT_EQ(run({"grade", lab, subs, "--out", (s / "one").string(), "--jobs", "2"}, s / "one.log"), 1)
      << read_file(s / "one.log");  // 1: mallory's archive was refused
  std::string book = read_file(s / "one/gradebook.csv");
  EXPECT_THAT(book, HasSubstr("ref,100,100,"));
  EXPECT_THAT(book, HasSubstr("no-write-loop,70,100,"));
  EXPECT_THAT(book, HasSubstr("broken,0,100,"));
  EXPECT_THAT(book, HasSubstr(",failed,"));
  EXPECT_THAT(book, HasSubstr("carol,"));
  EXPECT_THAT(book, HasSubstr("mallory,0,,"));
  EXPECT_THAT(book, HasSubstr("climbs out"));
  EXPECT_THAT(book, HasSubstr("empty,0,,,,,rejected,,submission directory empty is empty\n"));  // not the path
  EXPECT_FALSE(fs::exists(s / "ref/.."));  // nothing escaped (the archive would have written subs/../ref)
  EXPECT_FALSE(fs::exists(s / "one/.work"));
  // The dashboard, and each graded submission's HTML report beside its JSON one.
  std::string index = read_file(s / "one/index.html");
  EXPECT_THAT(index, HasSubstr("<a href=\"reports/no-write-loop.html\">no-write-loop</a>"));
  EXPECT_THAT(index, HasSubstr("<td class=\"kind\">rejected</td><td class=\"reason\">archive refused"));
  EXPECT_THAT(read_file(s / "one/reports/ref.html"), HasSubstr("Score <strong>100/100</strong>"));
  EXPECT_FALSE(fs::exists(s / "one/reports/mallory.html"));

  // The shards find the submissions elsewhere, as machines that mount them at another path do.
  fs::create_directory_symlink(s / "subs", s / "mount");
  std::vector<std::string> dirs;
  for (int i = 0; i < 4; ++i) {
    std::string out = (s / ("shard" + std::to_string(i))).string();
    dirs.push_back(out);
    run({"grade", lab, (s / "mount").string(), "--out", out, "--shard", std::to_string(i) + "/4", "--jobs", "1"},
        s / "shard.log");
  }
  std::vector<std::string> merge = {"merge"};
  merge.insert(merge.end(), dirs.begin(), dirs.end());
  merge.insert(merge.end(), {"--out", (s / "merged").string()});
  ASSERT_EQ(run(merge, s / "merge.log"), 0) << read_file(s / "merge.log");
  EXPECT_EQ(read_file(s / "merged/gradebook.csv"), book);
  EXPECT_EQ(read_file(s / "merged/summary.txt"), read_file(s / "one/summary.txt"));
  EXPECT_EQ(read_file(s / "merged/index.html"), index);
  EXPECT_THAT(read_file(s / "merged/reports/carol.html"), HasSubstr("<p class=\"score\" id=\"score\">"));

  // render-batch makes the same files again from the reports alone.
  std::string ref_page = read_file(s / "one/reports/ref.html");
  fs::remove(s / "one/index.html");
  fs::remove(s / "one/reports/ref.html");
  ASSERT_EQ(run({"render-batch", (s / "one").string()}, s / "render.log"), 0) << read_file(s / "render.log");
  EXPECT_EQ(read_file(s / "one/index.html"), index);
  EXPECT_EQ(read_file(s / "one/reports/ref.html"), ref_page);

  // --resume grades nothing again and writes the same gradebook.
  run({"grade", lab, subs, "--out", (s / "one").string(), "--resume"}, s / "resume.log");
  EXPECT_THAT(read_file(s / "resume.log"), HasSubstr("--resume: 5 already graded"));
  EXPECT_EQ(read_file(s / "one/gradebook.csv"), book);
}

TEST(BatchCli, InterruptLeavesWholeReportsAndResumeFinishes) {
  TempDir s;
  make_inputs(s);
  std::string lab = (s / "lab.json").string(), subs = (s / "subs").string(), out = (s / "out").string();
  pid_t pid = start({"grade", lab, subs, "--out", out, "--jobs", "1"}, s / "grade.log");
  // Interrupt as soon as the first report is in place.
  bool one = wait_until(Deadline::after(Millis(120000)), [&] {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(s / "out/reports", ec)) {
      if (e.path().extension() == ".json") return true;
    }
    return false;
  });
  ASSERT_TRUE(one);
  ::kill(pid, SIGINT);
  EXPECT_EQ(finish(pid), 130) << read_file(s / "grade.log");
  EXPECT_THAT(read_file(s / "grade.log"), HasSubstr("--resume"));
  for (const auto& e : fs::directory_iterator(s / "out/reports")) {
    EXPECT_EQ(e.path().extension(), ".json") << e.path();
    EXPECT_TRUE(nlohmann::json::accept(read_file(e.path()))) << e.path();
  }
  EXPECT_FALSE(fs::exists(s / "out/gradebook.csv"));
  run({"grade", lab, subs, "--out", out, "--resume"}, s / "resume.log");
  EXPECT_THAT(read_file(s / "out/gradebook.csv"), HasSubstr("ref,100,100,"));
  EXPECT_THAT(read_file(s / "out/gradebook.csv"), HasSubstr("no-write-loop,70,100,"));
}

TEST(BatchCli, BadInputIsOneLine) {
  TempDir s;
  EXPECT_EQ(run({"grade", "echo-server", (s / "missing").string(), "--out", (s / "o").string()}, s / "a.log"), 2);
  EXPECT_THAT(read_file(s / "a.log"), HasSubstr("not a directory of submissions"));
  EXPECT_EQ(run({"grade", "echo-srver", (s / "missing").string(), "--out", (s / "o").string()}, s / "b.log"), 2);
  EXPECT_THAT(read_file(s / "b.log"), HasSubstr("did you mean"));
  fs::create_directories(s / "subs");
  EXPECT_EQ(run({"grade", "echo-server", (s / "subs").string(), "--out", (s / "o").string(), "--shard", "2/2"}, s / "c.log"), 2);
  EXPECT_THAT(read_file(s / "c.log"), HasSubstr("--shard"));
  EXPECT_EQ(run({"merge", (s / "subs").string(), "--out", (s / "m").string()}, s / "d.log"), 2);
  EXPECT_THAT(read_file(s / "d.log"), HasSubstr("not an output directory"));
  EXPECT_EQ(run({"render-batch", (s / "subs").string()}, s / "e.log"), 2);
  EXPECT_THAT(read_file(s / "e.log"), HasSubstr("not an output directory"));
}

}  // namespace
}  // namespace sockgrade
