// The program's world in a cell behaves like a normal Linux box (issue 13, class 1): a private
// /tmp that any uid may write (1777), /dev/null and /dev/urandom, /etc/services and /etc/hosts,
// /bin/sh and the usual tools. Each test runs a tiny program in a real cell, under the
// isolation this machine grants (the unprivileged uid and the read-only view included).
#include <unistd.h>

#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cell/cell.hpp"
#include "cell/isolation.hpp"
#include "cell/program.hpp"
#include "grading/placement.hpp"
#include "lab/submission.hpp"

namespace sockgrade::cell {
namespace {

using ::testing::HasSubstr;

struct Ran {
  int exit_code = -1;
  std::string out, err;
  std::string cell_error;
};

// Runs `executable args` in a cell of its own, as a check runs a student's program: staged in
// the program directory, under the cell's uid, in its scratch directory.
Ran run_in_cell(const std::string& executable, const std::vector<std::string>& args) {
  auto iso = detect_isolation();
  lab::Submission sub;
  sub.kind = lab::Submission::Kind::executable;
  sub.path = WORLD_PROBE;
  sub.id = "world_probe";
  grading::Placement place(iso, sub);
  Ran ran;
  if (auto staged = place.stage(); !staged) {
    ran.cell_error = staged.error().message;
    return ran;
  }
  place.seal();
  grading::CellPlace cell_place;
  CellJob job = place.job("world", false, cell_place);
  job.body = [&](const CellEnv& env) {
    LaunchSpec spec;
    spec.executable = executable == "probe" ? place.program_path(env, std::filesystem::path(WORLD_PROBE).filename().string()) : executable;
    spec.args = args;
    spec.cwd = place.scratch_path(env, cell_place);
    spec.env = minimal_environment(spec.cwd);
    spec.identity = cell_place.identity;
    spec.seccomp = iso.seccomp;
    auto program = Program::start(spec);
    if (!program) return nlohmann::json{{"start_error", program.error().message}};
    auto v = (*program)->wait(Deadline::after(std::chrono::seconds(20)));
    if (v.running()) v = (*program)->kill();
    (*program)->finish_output(500);
    return nlohmann::json{{"exit", v.kind == Verdict::Kind::exited ? v.exit_code : -1},
                          {"out", (*program)->stdout_capture().text()},
                          {"err", (*program)->stderr_capture().text()}};
  };
  auto outcome = run_cells({job}, 1);
  if (!outcome[0].ok) {
    ran.cell_error = outcome[0].error;
  } else if (outcome[0].result.contains("start_error")) {
    ran.cell_error = outcome[0].result["start_error"].get<std::string>();
  } else {
    ran.exit_code = outcome[0].result["exit"].get<int>();
    ran.out = outcome[0].result["out"].get<std::string>();
    ran.err = outcome[0].result["err"].get<std::string>();
  }
  return ran;
}

// The tests are about the sandbox's view: without one, the program sees the host itself.
class CellWorld : public ::testing::Test {
 protected:
  void SetUp() override {
    auto iso = detect_isolation();
    if (!iso.fs_view) {
      std::string why = "no filesystem view here (mount and pid namespaces unavailable)";
      for (const auto& m : iso.missing) {
        if (m.layer == "pidns" || m.layer == "fs_view") why += ": " + m.why;
      }
      GTEST_SKIP() << why;
    }
  }
};

// `executable args` ran in a cell, exited 0 and wrote `says` among its output.
void expect_says(const std::string& executable, const std::vector<std::string>& args, const std::string& says) {
  auto r = run_in_cell(executable, args);
  ASSERT_EQ(r.cell_error, "");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr(says));
}

TEST_F(CellWorld, TmpIsWorldWritableAndStickyAndTakesAPidFile) {
  expect_says("probe", {"tmp"}, "mode 1777 pid-file ok");
}

TEST_F(CellWorld, UnixSocketBindsInTmp) {
  expect_says("probe", {"unix-bind", "/tmp/world-probe.sock"}, "listened at /tmp/world-probe.sock");
}

TEST_F(CellWorld, DevNullAndUrandomWork) {
  expect_says("probe", {"devices"}, "devices ok");
}

TEST_F(CellWorld, ServicesAndHostsResolve) {
  // The cell shows the host's /etc: a host without netbase has no services file to show.
  if (!std::filesystem::exists("/etc/services")) GTEST_SKIP() << "this host has no /etc/services (package netbase)";
  expect_says("probe", {"names"}, "daytime 13 localhost 127.0.0.1");
}

TEST_F(CellWorld, ShellAndUsualToolsRun) {
  expect_says("/bin/sh",
              {"-c", "echo shell | tr a-z A-Z; ls / | grep -c . >/dev/null && "
                     "cat /etc/hosts | head -1 >/dev/null && date +%Y >/dev/null && echo tools"},
              "SHELL\ntools");
}

}  // namespace
}  // namespace sockgrade::cell
