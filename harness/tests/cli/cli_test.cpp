// The command line as a user meets it: bad input gets one line naming the problem and exit
// code 2; a build failure still writes a complete report and exits 1.
#include "sockgrade_source_dir.hpp"
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/shell.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;

namespace {

// sockgrade itself, with its standard error too unless `redirect` says otherwise.
sockgrade::testing::ShellRun run(const std::string& args, const std::string& redirect = "2>&1") {
  return sockgrade::testing::run_shell(std::string(SOCKGRADE_BIN) + " " + args + " " + redirect);
}

int lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

using sockgrade::testing::read_file;
using sockgrade::testing::TempDir;

const std::string kSource = SOCKGRADE_TEST_SOURCE_DIR;

// labs/echo-server.json as `edit` leaves it, written to `dir`/lab.json: the path to test with.
std::string edited_lab(const TempDir& dir, const std::function<void(nlohmann::json&)>& edit) {
  auto lab = nlohmann::json::parse(read_file(fs::path(kSource) / "labs/echo-server.json"));
  edit(lab);
  return dir.write("lab.json", lab.dump()).string();
}

// `sockgrade test` of a submission that compiles, against echo-server's lab as `edit` leaves it.
sockgrade::testing::ShellRun test_with_lab(const std::function<void(nlohmann::json&)>& edit) {
  TempDir s;
  auto lab = edited_lab(s, edit);
  s.write("sub/server.c", "int main(void) { return 0; }\n");
  return run("test " + lab + " " + (s / "sub").string());
}

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
  TempDir s;
  auto r = run("test echo-server " + s.path().string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(lines(r.out), 1);
  EXPECT_NE(r.out.find("is empty"), std::string::npos) << r.out;
}

TEST(Cli, UnknownLabSuggestsTheClosestName) {
  TempDir s;
  s.write("server.c", "int main(void) { return 0; }\n");
  auto r = run("test echo-srver " + s.path().string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(lines(r.out), 1);
  EXPECT_NE(r.out.find("unknown lab 'echo-srver' (did you mean 'echo-server'?)"), std::string::npos) << r.out;
}

TEST(Cli, LabFileWithATypoNamesTheKey) {
  auto r = test_with_lab([](nlohmann::json& lab) {
    lab["chekcs"] = lab["checks"];
    lab.erase("checks");
  });
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(lines(r.out), 1);
  EXPECT_NE(r.out.find("unknown key 'chekcs' (did you mean 'checks'?)"), std::string::npos) << r.out;
}

TEST(Cli, LabFileWithAWrongTypeNamesThePath) {
  auto r = test_with_lab([](nlohmann::json& lab) { lab["checks"][2]["weight"] = "8"; });
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("/checks/2/weight: expected a number, got a string"), std::string::npos) << r.out;
}

TEST(Cli, OnlyThatMatchesNothingIsBadInput) {
  auto r = run("test echo-server " + kSource + "/reference/echo-server --only no-such-check");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("matches no check"), std::string::npos) << r.out;
}

TEST(Cli, SourcesThatDoNotCompileGiveACompleteReportAndExit1) {
  TempDir s;
  s.write("sub/server.c", "int main(void) { return undeclared_thing }\n");
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

// A lab that makes the program's name cost points lists basic.executable-name: a Makefile that
// builds 'echoserver' is graded all the same, and only that check fails.
TEST(Cli, ALabListingExecutableNameChargesOnlyTheName) {
  TempDir s;
  auto lab = edited_lab(s, [](nlohmann::json& lab) {
    lab["checks"] = nlohmann::json::array({{{"id", "basic.small-echo"}, {"weight", 5}},
                                           {{"id", "basic.executable-name"}, {"weight", 5}}});
  });
  auto report = s / "report.json";
  auto r = run("test " + lab + " " + kSource + "/fixtures/echo-server/makefile-other-name --json " + report.string());
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("one other, 'echoserver', which was graded"), std::string::npos) << r.out;
  std::ifstream rin(report);
  auto j = nlohmann::json::parse(rin);
  EXPECT_EQ(j["build"]["status"], "ok");
  EXPECT_EQ(j["score"], 50);  // of 100: the lab's points, shared by the two weights
  for (const auto& t : j["tests"]) {
    if (t["id"] == "basic.executable-name") {
      EXPECT_EQ(t["status"], "failed");
      EXPECT_NE(t["message"].get<std::string>().find("named 'echoserver', not 'server'"), std::string::npos) << t.dump();
    } else {
      EXPECT_EQ(t["status"], "passed") << t.dump();
    }
  }
  // The reference has the right name: full marks.
  auto ok = run("test " + lab + " " + kSource + "/reference/echo-server");
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
}

// Zero or several new executables under other names: one line naming what was found.
TEST(Cli, ABuildWithoutTheExecutableNamesWhatItFound) {
  TempDir s;
  s.write("none/Makefile", "all:\n\ttrue\n");
  auto none = run("test echo-server " + (s / "none").string() + " --json " + (s / "none.json").string());
  EXPECT_EQ(none.exit_code, 1) << none.out;
  EXPECT_NE(none.out.find("produced no executable named 'server', nor any other executable"), std::string::npos)
      << none.out;
  s.write("two/a.c", "int main(void) { return 0; }\n");
  s.write("two/Makefile", "all:\n\tcc -o one a.c\n\tcc -o two a.c\n");
  auto two = run("test echo-server " + (s / "two").string() + " --json " + (s / "two.json").string());
  EXPECT_EQ(two.exit_code, 1) << two.out;
  EXPECT_NE(two.out.find("produced no executable named 'server' and 2 others ('one', 'two')"), std::string::npos)
      << two.out;
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

// A check written as data shows its steps, action first, as the lab file has them.
TEST(Cli, ExplainShowsAScenarioChecksSteps) {
  auto r = run("explain chat-server not-to-sender");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("steps        (a scenario in the lab file)\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n               send alice  {\"line\":\"only bob should see this\"}\n"), std::string::npos) << r.out;
  auto builtin = run("explain echo-server half-close");
  EXPECT_EQ(builtin.out.find("steps "), std::string::npos) << builtin.out;
}

TEST(Cli, ExplainShowsTheResolvedLabAndTheFileEachValueComesFrom) {
  auto r = run("explain echo-server-fork", "2>/dev/null");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("extends:  base/echo-server-concurrent.json → echo-server.json → base/defaults.json\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\n  connect-accept.listen-backlog   "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n  total                                        100\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("      removes checks: connect-accept.queued-while-busy\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("      sets: contract, limits.processes, name, title\n"), std::string::npos) << r.out;
  // --json: the resolved lab, the same as its snapshot (which leaves out the checks), with the
  // checks the text listed: listen-backlog placed after restart-reuseaddr, queued-while-busy gone.
  auto j = run("explain echo-server-fork --json", "2>/dev/null");
  EXPECT_EQ(j.exit_code, 0);
  auto resolved = nlohmann::json::parse(j.out);
  std::vector<std::string> ids;
  for (const auto& c : resolved["checks"]) {
    ids.push_back(c["id"]);
    EXPECT_NE(r.out.find("\n  " + ids.back() + " "), std::string::npos) << ids.back();
  }
  auto at = std::find(ids.begin(), ids.end(), "connect-accept.restart-reuseaddr");
  ASSERT_NE(at, ids.end()) << j.out;
  ASSERT_NE(at + 1, ids.end()) << j.out;
  EXPECT_EQ(at[1], "connect-accept.listen-backlog") << j.out;
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "connect-accept.queued-while-busy"), 0) << j.out;
  resolved.erase("checks");
  std::ifstream snapshot(kSource + "/harness/tests/lab/resolved/echo-server-fork.json");
  EXPECT_EQ(resolved, nlohmann::json::parse(snapshot));
}

TEST(Cli, ALabThatExtendsItselfIsOneLine) {
  TempDir s;
  s.write("lab.json", R"({"schema": "sockgrade.lab/2", "name": "x", "extends": "./lab.json"})");
  auto r = run("explain " + (s / "lab.json").string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(lines(r.out), 1);
  EXPECT_NE(r.out.find((s / "lab.json").string() + ": /extends: a cycle: "), std::string::npos) << r.out;
}

TEST(Cli, LabsListsTheBundledLab) {
  auto r = run("labs");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("echo-server"), std::string::npos);
}

// ---- report formats: --report FORMAT=FILE and sockgrade render ---------------------------

TEST(Cli, UnknownReportFormatIsOneLineAndExit2) {
  auto r = run("test echo-server " + kSource + "/reference/echo-server --report xml=out.xml");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(lines(r.out), 1) << r.out;
  EXPECT_NE(r.out.find("unknown report format 'xml'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("json, text, gradescope, prairielearn, autolab, junit, html, markdown"), std::string::npos);
  auto typo = run("test echo-server " + kSource + "/reference/echo-server --report gradscope=r.json");
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.out.find("did you mean gradescope?"), std::string::npos) << typo.out;
  auto no_file = run("test echo-server " + kSource + "/reference/echo-server --report junit");
  EXPECT_EQ(no_file.exit_code, 2);
  EXPECT_EQ(lines(no_file.out), 1) << no_file.out;
  EXPECT_NE(no_file.out.find("FORMAT=FILE"), std::string::npos) << no_file.out;
}

TEST(Cli, ReportPathsAreCheckedBeforeGrading) {
  auto r = run("test echo-server " + kSource + "/reference/echo-server --report junit=/nonexistent/dir/out.xml");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(lines(r.out), 1) << r.out;
  EXPECT_NE(r.out.find("no directory /nonexistent/dir"), std::string::npos) << r.out;
  auto two = run("test echo-server " + kSource + "/reference/echo-server --report junit=- --json -");
  EXPECT_EQ(two.exit_code, 2);
  EXPECT_NE(two.out.find("only one report can go to standard output"), std::string::npos) << two.out;
}

// Every format from the JSON report on disk is the golden file of that format: the JSON
// round trip loses nothing a view shows.
TEST(Cli, RenderOfTheSampleReportGivesEveryGolden) {
  const std::pair<const char*, const char*> kGoldens[] = {
      {"json", "sample.json"},         {"text", "sample.txt"},        {"gradescope", "sample.gradescope.json"},
      {"prairielearn", "sample.prairielearn.json"}, {"autolab", "sample.autolab.txt"},
      {"junit", "sample.junit.xml"},   {"html", "sample.html"},       {"markdown", "sample.md"}};
  const fs::path golden = fs::path(kSource) / "reports/golden";
  TempDir s;
  for (const auto& [format, file] : kGoldens) {
    auto out = s / file;
    auto r = run("render " + (golden / "sample.json").string() + " --format " + format + " --out " + out.string());
    EXPECT_EQ(r.exit_code, 0) << format << ": " << r.out;
    EXPECT_EQ(r.out, "") << format;
    EXPECT_TRUE(read_file(out) == read_file(golden / file)) << format << " differs from " << file;
    auto to_stdout = run("render " + (golden / "sample.json").string() + " --format " + format, "2>/dev/null");
    EXPECT_EQ(to_stdout.exit_code, 0);
    EXPECT_TRUE(to_stdout.out == read_file(golden / file)) << format << " on standard output";
  }
  auto from_stdin = run("render - --format autolab < " + (golden / "sample.json").string(), "2>/dev/null");
  EXPECT_EQ(from_stdin.exit_code, 0);
  EXPECT_EQ(from_stdin.out, read_file(golden / "sample.autolab.txt"));
}

TEST(Cli, RenderRejectsBadInputInOneLine) {
  TempDir s;
  const std::string sample = kSource + "/reports/golden/sample.json";
  auto bad_format = run("render " + sample + " --format pdf");
  EXPECT_EQ(bad_format.exit_code, 2);
  EXPECT_EQ(lines(bad_format.out), 1) << bad_format.out;
  EXPECT_NE(bad_format.out.find("unknown report format 'pdf'"), std::string::npos) << bad_format.out;
  auto missing = run("render " + (s / "none.json").string() + " --format html");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(lines(missing.out), 1) << missing.out;
  s.write("other.json", "{\"scores\": {}}");
  auto other = run("render " + (s / "other.json").string() + " --format html");
  EXPECT_EQ(other.exit_code, 2);
  EXPECT_NE(other.out.find("is not a sockgrade report"), std::string::npos) << other.out;
  s.write("cut.json", "{\"schema\": \"sockgrade.report/1\", \"lab\": \"x\"}");
  auto cut = run("render " + (s / "cut.json").string() + " --format html");
  EXPECT_EQ(cut.exit_code, 2);
  EXPECT_EQ(lines(cut.out), 1) << cut.out;
  EXPECT_NE(cut.out.find("incomplete sockgrade report"), std::string::npos) << cut.out;
  s.write("garbage.json", "not json at all");
  EXPECT_EQ(run("render " + (s / "garbage.json").string() + " --format junit").exit_code, 2);
}

// A failed build through every --report at once: each file written, standard output holds
// only the one report sent there, and the build is a JUnit testcase.
TEST(Cli, ReportsOfAFailedBuild) {
  TempDir s;
  s.write("sub/server.c", "int main(void) { return undeclared_thing }\n");
  auto r = run("test echo-server " + (s / "sub").string() + " --report gradescope=- --report junit=" +
                   (s / "junit.xml").string() + " --report html=" + (s / "report.html").string() +
                   " --report markdown=" + (s / "summary.md").string() + " --report prairielearn=" +
                   (s / "pl.json").string() + " --report autolab=" + (s / "autolab.txt").string(),
               "2>/dev/null");
  EXPECT_EQ(r.exit_code, 1);
  auto gs = nlohmann::json::parse(r.out);  // nothing else on stdout
  EXPECT_EQ(gs["score"], 0.0);
  EXPECT_NE(gs["output"].get<std::string>().find("undeclared_thing"), std::string::npos);
  EXPECT_NE(read_file(s / "junit.xml").find("<testcase name=\"build\""), std::string::npos);
  EXPECT_NE(read_file(s / "report.html").find("The build failed"), std::string::npos);
  EXPECT_NE(read_file(s / "summary.md").find("The build failed"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(read_file(s / "pl.json"))["gradable"], false);
  EXPECT_EQ(read_file(s / "autolab.txt").substr(0, 11), "{\"scores\":{");
}

// A check the lab file marks hidden: graded, counted, and shown to the student only as a total.
TEST(Cli, AHiddenCheckIsOnlyATotalForTheStudent) {
  TempDir s;
  auto lab = edited_lab(s, [](nlohmann::json& lab) {
    lab["points"] = 12;
    lab["checks"] = nlohmann::json::array({{{"id", "basic.small-echo"}, {"weight", 6}},
                                           {{"id", "basic.binary"}, {"weight", 6}, {"hidden", true}}});
  });
  auto r = run("test " + lab + " " + kSource +
                   "/reference/echo-server --only basic.small-echo,basic.binary --json " + (s / "r.json").string() +
                   " --report html=" + (s / "r.html").string(),
               "2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out.find("basic.binary"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 hidden check: 6/6 points"), std::string::npos) << r.out;
  EXPECT_EQ(read_file(s / "r.html").find("basic.binary"), std::string::npos);
  auto j = nlohmann::json::parse(read_file(s / "r.json"));
  ASSERT_EQ(j["tests"].size(), 2u);
  EXPECT_EQ(j["score"], 12);
  bool found = false;
  for (const auto& t : j["tests"]) {
    if (t["id"] == "basic.binary") {
      found = true;
      EXPECT_EQ(t["hidden"], true);
      EXPECT_EQ(t["status"], "passed");
    }
  }
  EXPECT_TRUE(found);
}

// ---- sockgrade lab check / lab try: the loop an instructor iterates in -----------------------

TEST(Cli, LabCheckSaysWhatALabResolvesTo) {
  auto r = run("lab check " + kSource + "/labs/echo-server-fork.json");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("labs/echo-server-fork.json: ok, 27 checks in 8 categories, out of 100 points; a tcp server; "
                       "contract echo-server-fork.md\n"),
            std::string::npos)
      << r.out;
}

TEST(Cli, LabCheckOfATypoIsOneLineNamingThePath) {
  TempDir s;
  s.write("lab.json", R"({"schema": "sockgrade.lab/2", "name": "x", "extends": "echo-server",
                            "checks": [{"id": "basic.smal-echo", "weight": 3}]})");
  auto r = run("lab check " + (s / "lab.json").string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(lines(r.out), 1) << r.out;
  EXPECT_NE(r.out.find("/checks/0/id: unknown check 'basic.smal-echo' (did you mean 'basic.small-echo'?)"),
            std::string::npos)
      << r.out;
}

// Two checks of equal weight keep it quick: the reference scores every point, a fixture loses the check of its
// bug only; a reference that does not score every point is said so, with exit code 1.
TEST(Cli, LabTryGradesTheReferenceAndShowsEachFixture) {
  TempDir s;
  s.write("lab.json", R"({"schema": "sockgrade.lab/2", "name": "small", "extends": "echo-server",
                            "checks": [{"id": "basic.small-echo", "weight": 1},
                                       {"id": "partial-io.short-writes", "weight": 1}, )" +
                            [] {
                              std::string remove;
                              for (const char* id :
                                   {"basic.binary", "basic.interactive", "basic.large-stream",
                                    "connect-accept.listens-on-requested-port", "connect-accept.sequential-clients",
                                    "connect-accept.queued-while-busy", "connect-accept.restart-reuseaddr",
                                    "partial-io.one-byte-segments", "partial-io.coalesced-messages",
                                    "partial-io.eintr", "partial-io.slow-reader", "sigpipe.peer-vanishes",
                                    "shutdown.half-close", "shutdown.reset-by-peer", "resources.fd-baseline",
                                    "resources.idle-cpu", "memory.asan-clean", "memory.no-leak-per-client"}) {
                                remove += std::string(remove.empty() ? "" : ", ") + R"({"id": ")" + id +
                                          R"(", "remove": true})";
                              }
                              return remove;
                            }() +
                            "]}");
  auto lab = (s / "lab.json").string();
  auto ok = run("lab try " + lab + " " + kSource + "/reference/echo-server " + kSource +
                "/fixtures/echo-server/no-write-loop");
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
  EXPECT_NE(ok.out.find(": 2 checks in 2 categories, out of 100 points;"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("/reference/echo-server: 100/100; every check passed\n"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("/fixtures/echo-server/no-write-loop: 50/100; not passed: partial-io.short-writes (timeout)\n"),
            std::string::npos)
      << ok.out;
  auto bad = run("lab try " + lab + " " + kSource + "/fixtures/echo-server/no-write-loop");
  EXPECT_EQ(bad.exit_code, 1) << bad.out;
  EXPECT_NE(bad.out.find("<- the reference must score every point"), std::string::npos) << bad.out;
}
