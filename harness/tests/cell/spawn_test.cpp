// spawn() starts a program as a check does (clone with CLONE_VM, then exec): what the program
// finds at start (arguments, environment, directory, signals, descriptors) and how a start that
// fails is told. Plain processes, no cell: the setup steps that need root or a cell (cgroups,
// the uid, seccomp) are exercised by every conformance test.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cell/program.hpp"
#include "support/temp_dir.hpp"

namespace sockgrade::cell {
namespace {

using ::testing::HasSubstr;

struct Ran {
  int exit_code = -1;
  std::string out, err;
};

// `/bin/sh -c script` started by spawn(), waited for, its output drained.
Ran run_shell(const std::string& script, LaunchSpec spec = {}) {
  spec.executable = "/bin/sh";
  spec.args = {"-c", script};
  if (spec.env.empty()) spec.env = minimal_environment("/tmp");
  spec.apply_limits = false;
  auto program = Program::start(spec);
  EXPECT_TRUE(program) << (program ? "" : program.error().message);
  if (!program) return {};
  auto v = (*program)->wait(Deadline::after(std::chrono::seconds(20)));
  if (v.running()) v = (*program)->kill();
  (*program)->finish_output(500);
  return {v.kind == Verdict::Kind::exited ? v.exit_code : -1, (*program)->stdout_capture().text(),
          (*program)->stderr_capture().text()};
}

TEST(Spawn, ProgramGetsItsArgumentsEnvironmentAndDirectory) {
  sockgrade::testing::TempDir dir;
  LaunchSpec spec;
  spec.cwd = dir.path().string();
  spec.env = {"PATH=/usr/bin:/bin", "GREETING=hello there"};
  auto r = run_shell("echo \"$0|$GREETING|$(pwd)|$(env | wc -l)\"; echo to-stderr >&2; exit 3", spec);
  EXPECT_EQ(r.exit_code, 3);
  // The environment is exactly the one given (sh adds PWD, SHLVL and _ of its own).
  EXPECT_THAT(r.out, HasSubstr("/bin/sh|hello there|" + std::filesystem::canonical(dir.path()).string() + "|"));
  EXPECT_EQ(r.err, "to-stderr\n");
}

TEST(Spawn, SignalsAreAtTheirDefaultsAndNoneIsBlocked) {
  // The harness ignores SIGPIPE and blocks every signal around the clone: the program must see
  // neither.
  struct sigaction ignore{}, old{};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(::sigaction(SIGPIPE, &ignore, &old), 0);
  auto r = run_shell("grep -E '^Sig(Ign|Blk):' /proc/self/status");
  ::sigaction(SIGPIPE, &old, nullptr);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("SigBlk:\t0000000000000000"));
  EXPECT_THAT(r.out, HasSubstr("SigIgn:\t0000000000000000"));
}

TEST(Spawn, OnlyTheThreeStandardDescriptorsAreInherited) {
  // A descriptor of the harness without close-on-exec: spawn must close it anyway.
  int leaked = ::dup2(STDERR_FILENO, 50);
  ASSERT_EQ(leaked, 50);
  auto r = run_shell("for fd in 0 1 2 50; do [ -e /proc/$$/fd/$fd ] && echo \"$fd open\" || echo \"$fd closed\"; done");
  ::close(leaked);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "0 open\n1 open\n2 open\n50 closed\n");
}

TEST(Spawn, ItsOwnProcessGroup) {
  // /proc/PID/stat: pid (comm) state ppid pgrp …
  auto r = run_shell("echo $$ $(cut -d' ' -f5 /proc/$$/stat)");
  ASSERT_EQ(r.exit_code, 0);
  std::istringstream words(r.out);
  std::string pid, pgid;
  words >> pid >> pgid;
  EXPECT_EQ(pgid, pid);
  EXPECT_NE(pgid, std::to_string(::getpgrp()));
}

TEST(Spawn, AFileThatCannotRunIsToldWithTheReason) {
  sockgrade::testing::TempDir dir;
  auto path = dir.path() / "not-a-program";
  std::ofstream(path) << "plain text\n";
  ::chmod(path.c_str(), 0644);
  LaunchSpec spec;
  spec.executable = path.string();
  spec.apply_limits = false;
  auto program = Program::start(spec);
  ASSERT_FALSE(program);
  EXPECT_EQ(program.error().message, "cannot start " + path.string() + ": Permission denied");
}

TEST(Spawn, AFailedSetupStepIsNamed) {
  LaunchSpec spec;
  spec.executable = "/bin/true";
  spec.cwd = "/no/such/directory";
  spec.apply_limits = false;
  auto program = Program::start(spec);
  ASSERT_FALSE(program);
  EXPECT_EQ(program.error().message, "cannot start /bin/true: chdir: No such file or directory");
}

TEST(Spawn, ACommandIsLookedUpInPath) {
  LaunchSpec spec;
  spec.executable = "sh";
  spec.args = {"-c", "exit 7"};
  spec.apply_limits = false;
  auto program = Program::start(spec);
  ASSERT_TRUE(program) << program.error().message;
  EXPECT_EQ((*program)->wait(Deadline::after(std::chrono::seconds(20))).exit_code, 7);
  spec.executable = "no-such-command-sockgrade";
  auto missing = Program::start(spec);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "cannot start no-such-command-sockgrade: not found in PATH");
}

// The uid drop happens in the child only, though the child shares the harness's memory until
// it execs: the harness and its other threads keep their ids.
TEST(Spawn, AnUnprivilegedProgramLeavesTheHarnessThreadsTheirIds) {
  if (::geteuid() != 0) GTEST_SKIP() << "dropping to another uid needs root";
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  pid_t helper_tid = 0;
  std::thread helper([&] {
    std::unique_lock<std::mutex> lock(m);
    helper_tid = static_cast<pid_t>(::gettid());
    cv.notify_all();
    cv.wait(lock, [&] { return done; });
  });
  {
    std::unique_lock<std::mutex> lock(m);
    cv.wait(lock, [&] { return helper_tid != 0; });
  }
  LaunchSpec spec;
  spec.identity = Identity{(1u << 20) + 4094, (1u << 20) + 4094};
  spec.cwd = "/";
  auto r = run_shell("id -u", spec);
  std::ifstream status("/proc/self/task/" + std::to_string(helper_tid) + "/status");
  std::string line, uid_line;
  while (std::getline(status, line)) {
    if (line.rfind("Uid:", 0) == 0) uid_line = line;
  }
  {
    std::lock_guard<std::mutex> lock(m);
    done = true;
  }
  cv.notify_all();
  helper.join();
  EXPECT_EQ(r.out, std::to_string((1u << 20) + 4094) + "\n");
  EXPECT_EQ(::getuid(), 0u);
  EXPECT_EQ(uid_line, "Uid:\t0\t0\t0\t0");
}

}  // namespace
}  // namespace sockgrade::cell
