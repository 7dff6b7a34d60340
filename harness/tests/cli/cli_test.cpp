// The command line as a user meets it: bad input gets one line naming the problem and exit
// code 2; a build failure still writes a complete report and exits 1.
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

namespace {

struct Run {
  int exit_code = -1;
  std::string out;  // stdout and stderr together
};

Run run(const std::string& args, const std::string& redirect = "2>&1") {
  std::string cmd = std::string(SOCKGRADE_BIN) + " " + args + " " + redirect;
  Run r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

int lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

class Scratch {
 public:
  Scratch() {
    char tmpl[] = "/tmp/sockgrade-cli-test-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~Scratch() { fs::remove_all(path_); }
  fs::path operator/(const std::string& name) const { return path_ / name; }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void write(const fs::path& p, const std::string& content) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << content;
}

const std::string kSource = SOCKGRADE_TEST_SOURCE_DIR;

}  // namespace

TEST(Cli, VersionPrintsNameAndVersion) {
  auto r = run("--version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "sockgrade 0.1.0\n");
}

TEST(Cli, MissingSubmissionIsOneLineAndExit2) {
  auto r = run("test echo-server /nonexistent/submission");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(lines(r.out), 1);
  EXPECT_NE(r.out.find("submission not found: /nonexistent/submission"), std::string::npos) << r.out;
}

TEST(Cli, EmptyDirectoryIsRejected) {
  Scratch s;
  auto r = run("test echo-server " + s.path().string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(lines(r.out), 1);
  EXPECT_NE(r.out.find("is empty"), std::string::npos) << r.out;
}

TEST(Cli, UnknownLabSuggestsTheClosestName) {
  Scratch s;
  write(s / "server.c", "int main(void) { return 0; }\n");
  auto r = run("test echo-srver " + s.path().string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(lines(r.out), 1);
  EXPECT_NE(r.out.find("unknown lab 'echo-srver' (did you mean 'echo-server'?)"), std::string::npos) << r.out;
}

TEST(Cli, LabFileWithATypoNamesTheKey) {
  Scratch s;
  std::ifstream in(kSource + "/labs/echo-server.json");
  auto lab = nlohmann::json::parse(in);
  lab["chekcs"] = lab["checks"];
  lab.erase("checks");
  write(s / "lab.json", lab.dump());
  write(s / "sub/server.c", "int main(void) { return 0; }\n");
  auto r = run("test " + (s / "lab.json").string() + " " + (s / "sub").string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(lines(r.out), 1);
  EXPECT_NE(r.out.find("unknown key 'chekcs' (did you mean 'checks'?)"), std::string::npos) << r.out;
}

TEST(Cli, LabFileWithAWrongTypeNamesThePath) {
  Scratch s;
  std::ifstream in(kSource + "/labs/echo-server.json");
  auto lab = nlohmann::json::parse(in);
  lab["checks"][2]["weight"] = "8";
  write(s / "lab.json", lab.dump());
  write(s / "sub/server.c", "int main(void) { return 0; }\n");
  auto r = run("test " + (s / "lab.json").string() + " " + (s / "sub").string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("/checks/2/weight: expected a number, got a string"), std::string::npos) << r.out;
}

TEST(Cli, OnlyThatMatchesNothingIsBadInput) {
  auto r = run("test echo-server " + kSource + "/reference/echo-server --only no-such-check");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("matches no check"), std::string::npos) << r.out;
}

TEST(Cli, SourcesThatDoNotCompileGiveACompleteReportAndExit1) {
  Scratch s;
  write(s / "sub/server.c", "int main(void) { return undeclared_thing }\n");
  auto report = s / "report.json";
  auto r = run("test echo-server " + (s / "sub").string() + " --json " + report.string());
  EXPECT_EQ(r.exit_code, 1) << r.out;
  ASSERT_TRUE(fs::exists(report));
  std::ifstream in(report);
  auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["build"]["status"], "failed");
  EXPECT_NE(j["build"]["log"].get<std::string>().find("undeclared_thing"), std::string::npos);
  EXPECT_EQ(j["score"], 0);
  EXPECT_EQ(j["max_score"], 100);
  for (const auto& t : j["tests"]) EXPECT_EQ(t["status"], "failed");
  EXPECT_NE(r.out.find("The build failed"), std::string::npos) << r.out;
}

// A program that prints a fake full-marks report: with --json -, stdout carries our report and
// nothing else; the fake stays evidence.
TEST(Cli, JsonOnStdoutIsOnlyTheHarnessReport) {
  auto r = run("test echo-server " + kSource + "/fixtures/hostile/fake-report --only basic.small-echo --json -",
               "2>/dev/null");
  EXPECT_EQ(r.exit_code, 1);
  auto j = nlohmann::json::parse(r.out);  // throws if anything else was mixed in
  EXPECT_EQ(j["score"], 0);
  ASSERT_EQ(j["tests"].size(), 1u);
  EXPECT_EQ(j["tests"][0]["status"], "failed");
  EXPECT_NE(j["tests"][0]["evidence"].dump().find("score 100/100"), std::string::npos) << j.dump(2);
}

TEST(Cli, ExplainListsTheLabsChecksAndTotal) {
  auto r = run("explain echo-server");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("sigpipe.peer-vanishes"), std::string::npos);
  EXPECT_NE(r.out.find("total"), std::string::npos);
  EXPECT_NE(r.out.find("100"), std::string::npos);
  auto one = run("explain echo-server half-close");
  EXPECT_EQ(one.exit_code, 0);
  EXPECT_NE(one.out.find("shutdown.half-close"), std::string::npos);
  EXPECT_NE(one.out.find("hint"), std::string::npos);
}

TEST(Cli, LabsListsTheBundledLab) {
  auto r = run("labs");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("echo-server"), std::string::npos);
}
