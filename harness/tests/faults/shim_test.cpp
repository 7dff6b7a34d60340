// The preload shim on a probe program (shim_probe.c): short writes, EINTR and their limits,
// determinism under a seed, what it leaves alone, the counters ShimSession reads back, and
// the detection of statically linked programs the shim cannot reach.
#include "faults/shim.hpp"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/fd.hpp"
#include "core/strings.hpp"
#include "support/result_matchers.hpp"
#include "support/temp_dir.hpp"

extern char** environ;

namespace sockgrade::faults {
namespace {

using ::testing::HasSubstr;
using sockgrade::testing::FailsWith;
using namespace std::chrono_literals;

const std::string kShim = SOCKGRADE_SHIM_LIBRARY;
const std::string kProbe = SHIM_PROBE;

struct ProbeRun {
  int status = -1;  // the wait status
  std::string out, err;
  std::map<std::string, std::string> report;
  long num(const std::string& key) const {
    auto it = report.find(key);
    if (it == report.end()) {
      ADD_FAILURE() << "the probe reported no " << key << "; stderr: " << err;
      return -1;
    }
    return std::stol(it->second);
  }
  std::string line;  // the whole report line
};

// This process's environment minus any preload or shim settings, plus `env`.
std::vector<std::string> probe_environment(const std::vector<std::string>& env) {
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    std::string s(*e);
    if (starts_with(s, "LD_PRELOAD=") || starts_with(s, "SOCKGRADE_SHIM")) continue;
    env_strings.push_back(s);
  }
  env_strings.insert(env_strings.end(), env.begin(), env.end());
  return env_strings;
}

// The shim's report is the last "calls=..." line on stderr: key=value items.
void parse_report_line(ProbeRun& r) {
  auto pos = r.err.rfind("calls=");
  if (pos == std::string::npos) return;
  auto end = r.err.find('\n', pos);
  r.line = r.err.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
  for (const auto& item : split(r.line, ' ')) {
    auto eq = item.find('=');
    if (eq != std::string::npos) r.report[item.substr(0, eq)] = item.substr(eq + 1);
  }
}

// Runs `exe args...` with this process's environment minus any preload or shim settings, plus
// `env`. Reads its stdout and stderr until EOF, then reaps it; kills it past a deadline.
ProbeRun run(const std::string& exe, const std::vector<std::string>& args,
             const std::vector<std::string>& env) {
  std::vector<std::string> env_strings = probe_environment(env);
  std::vector<std::string> argv_strings{exe};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv, envp;
  for (auto& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  ProbeRun r;
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe2: " << std::strerror(errno);
    return r;
  }
  pid_t pid = ::fork();
  if (pid == 0) {  // no allocation from here to exec
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    ::execve(exe.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  Fd out_read(out[0]), err_read(err[0]);
  if (pid < 0) {
    ADD_FAILURE() << "fork: " << std::strerror(errno);
    return r;
  }
  auto deadline = Deadline::after(60s);
  bool out_open = true, err_open = true;
  while (out_open || err_open) {
    pollfd p[2] = {{out_open ? out_read.get() : -1, POLLIN, 0},
                   {err_open ? err_read.get() : -1, POLLIN, 0}};
    int n = ::poll(p, 2, deadline.poll_timeout_ms());
    if (n < 0 && errno == EINTR) continue;
    if (n == 0 && deadline.expired()) {
      ::kill(pid, SIGKILL);
      ADD_FAILURE() << exe << " did not finish";
      break;
    }
    char buf[65536];
    for (int i = 0; i < 2; ++i) {
      if (!p[i].revents) continue;
      ssize_t got = ::read(p[i].fd, buf, sizeof buf);
      if (got > 0) {
        (i == 0 ? r.out : r.err).append(buf, static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        (i == 0 ? out_open : err_open) = false;
      }
    }
  }
  ::waitpid(pid, &r.status, 0);
  parse_report_line(r);
  return r;
}

bool exited_ok(const ProbeRun& r) { return WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0; }

// The variables that configure the shim, without a counters file.
std::vector<std::string> shim_env(long short_mode, int eintr, int run_limit = 3, uint64_t seed = 1,
                                  bool preload = true) {
  std::vector<std::string> env = {"SOCKGRADE_SHIM_SEED=" + std::to_string(seed),
                                  "SOCKGRADE_SHIM_SHORT=" + std::to_string(short_mode),
                                  "SOCKGRADE_SHIM_EINTR=" + std::to_string(eintr),
                                  "SOCKGRADE_SHIM_EINTR_RUN=" + std::to_string(run_limit)};
  if (preload) env.push_back("LD_PRELOAD=" + kShim);
  return env;
}

// Where the sessions of this test binary keep their counters files (removed at exit).
const testing::TempDir& counters_dir() {
  static testing::TempDir dir;
  return dir;
}

ShimSession session(const ShimConfig& config, uint64_t seed) {
  auto s = ShimSession::create(config, seed, kShim, counters_dir().path().string());
  if (!s) throw std::runtime_error(s.error().message);
  return std::move(s).value();
}

std::string stats_path_of(const ShimSession& s) {
  for (const auto& e : s.environment()) {
    if (starts_with(e, "SOCKGRADE_SHIM_STATS="))
      return e.substr(std::string("SOCKGRADE_SHIM_STATS=").size());
  }
  return {};
}

long eintr_total(const ProbeRun& r) {
  return r.num("eintr_write") + r.num("eintr_read") + r.num("eintr_accept") +
         r.num("eintr_connect");
}

// ---------------------------------------------------------------------------------------------

TEST(ShimProbe, WithoutThePreloadNothingIsTouched) {
  auto r = run(kProbe, {"stream", "write", "50", "100"}, shim_env(7, 500, 3, 1, /*preload=*/false));
  ASSERT_TRUE(exited_ok(r)) << r.err;
  EXPECT_EQ(r.num("writes"), 50);
  EXPECT_EQ(r.num("short"), 0);
  EXPECT_EQ(r.num("min"), 100);
  EXPECT_EQ(r.num("max"), 100);
  EXPECT_EQ(eintr_total(r), 0);
  EXPECT_EQ(r.num("corrupt"), 0);
}

TEST(ShimShortWrites, EveryWriteOfMoreThanNBytesTakesExactlyN) {
  for (const std::string op : {"write", "send", "writev", "sendmsg"}) {
    SCOPED_TRACE(op);
    auto r = run(kProbe, {"stream", op, "50", "100"}, shim_env(7, 0));
    ASSERT_TRUE(exited_ok(r)) << r.err;
    EXPECT_EQ(r.num("writes"), 50);
    EXPECT_EQ(r.num("short"), 50);
    EXPECT_EQ(r.num("min"), 7);
    EXPECT_EQ(r.num("max"), 7);
    EXPECT_EQ(r.num("withheld"), 50 * 93);
    EXPECT_EQ(r.num("corrupt"), 0) << "the bytes a short write took must be the first ones";
    EXPECT_EQ(eintr_total(r), 0);
  }
}

TEST(ShimShortWrites, WritesOfAtMostNBytesAreWhole) {
  for (const std::string k : {"7", "5", "1"}) {
    SCOPED_TRACE("K=" + k);
    auto r = run(kProbe, {"stream", "send", "20", k}, shim_env(7, 0));
    ASSERT_TRUE(exited_ok(r)) << r.err;
    EXPECT_EQ(r.num("short"), 0);
    EXPECT_EQ(r.num("min"), std::stol(k));
    EXPECT_EQ(r.num("max"), std::stol(k));
  }
}

TEST(ShimShortWrites, ARandomShareVariesBetweenOneAndK) {
  for (const std::string op : {"write", "writev"}) {
    SCOPED_TRACE(op);
    auto r = run(kProbe, {"stream", op, "200", "100"}, shim_env(-1, 0));
    ASSERT_TRUE(exited_ok(r)) << r.err;
    EXPECT_EQ(r.num("writes"), 200);
    EXPECT_GE(r.num("min"), 1);
    EXPECT_LE(r.num("max"), 100);
    EXPECT_GT(r.num("short"), 100) << "most writes should come back short";
    EXPECT_GE(r.num("distinct"), 20) << "the counts should vary";
    EXPECT_EQ(r.num("corrupt"), 0);
  }
}

TEST(ShimShortWrites, ARandomShareOfThreeBytesIsOneTwoOrThree) {
  auto r = run(kProbe, {"stream", "send", "100", "3"}, shim_env(-1, 0));
  ASSERT_TRUE(exited_ok(r)) << r.err;
  EXPECT_EQ(r.num("writes"), 100);
  EXPECT_EQ(r.num("min"), 1) << "a socket write must never take 0 bytes";
  EXPECT_EQ(r.num("max"), 3);
  EXPECT_EQ(r.num("distinct"), 3);
}

TEST(ShimEintr, InterruptsSomeCallsButNeverMoreThanTheLimitInARow) {
  auto r = run(kProbe, {"stream", "write", "300", "10"}, shim_env(0, 250));
  ASSERT_TRUE(exited_ok(r)) << r.err;
  EXPECT_EQ(r.num("writes"), 300) << "every write completes after its EINTRs";
  EXPECT_EQ(r.num("short"), 0);
  EXPECT_GT(r.num("eintr_write"), 0);
  EXPECT_GT(r.num("eintr_read"), 0) << "read() and recv() are interrupted too";
  EXPECT_GE(r.num("max_run"), 1);
  EXPECT_LE(r.num("max_run"), 3);
  // About a quarter of the calls: far from none and from all.
  double share = static_cast<double>(eintr_total(r)) / static_cast<double>(r.num("calls"));
  EXPECT_GT(share, 0.1);
  EXPECT_LT(share, 0.4);
}

TEST(ShimEintr, TheRunLimitIsExact) {
  // Every call would be interrupted; the limit of 2 lets every third through.
  auto r = run(kProbe, {"stream", "send", "30", "10"}, shim_env(0, 1000, 2));
  ASSERT_TRUE(exited_ok(r)) << r.err;
  EXPECT_EQ(r.num("max_run"), 2);
  EXPECT_EQ(r.num("writes"), 30);
  EXPECT_EQ(r.num("calls"), 3 * 60) << "30 sends and 30 reads, each after two EINTRs";
  EXPECT_EQ(eintr_total(r), 2 * 60);
  EXPECT_THAT(r.report["seq"], ::testing::StartsWith("E,E,10,E,E,10,E,E,10"));
}

TEST(ShimEintr, LeavesConnectAloneByDefault) {
  auto r = run(kProbe, {"connect", "40"}, shim_env(0, 1000, 1));
  ASSERT_TRUE(exited_ok(r)) << r.err;
  EXPECT_EQ(r.num("eintr_connect"), 0);
  EXPECT_EQ(r.num("eintr_accept"), 40);
}

TEST(ShimEintr, InterruptsAcceptAndConnect) {
  auto with_connect = [](std::vector<std::string> env) {
    env.push_back("SOCKGRADE_SHIM_EINTR_CONNECT=1");
    return env;
  };
  auto some = run(kProbe, {"connect", "40"}, with_connect(shim_env(0, 250)));
  ASSERT_TRUE(exited_ok(some)) << some.err;
  EXPECT_GT(some.num("eintr_connect"), 0);
  EXPECT_GT(some.num("eintr_accept"), 0);
  EXPECT_LE(some.num("max_run"), 3);
  // With every call interrupted and a limit of two, each connect (which then completes in the
  // background) and each accept fails exactly once: connect, accept, then the accept goes through.
  auto all = run(kProbe, {"connect", "40"}, with_connect(shim_env(0, 1000, 2)));
  ASSERT_TRUE(exited_ok(all)) << all.err;
  EXPECT_EQ(all.num("eintr_connect"), 40);
  EXPECT_EQ(all.num("eintr_accept"), 40);
}

// Without a namespace the shim stands in for net.ipv4.tcp_wmem: every accepted socket's send
// buffer is fixed (the kernel doubles what SO_SNDBUF asks), counted in the stats.
TEST(ShimSendBuffer, EveryAcceptedSocketGetsTheCappedSendBuffer) {
  ShimConfig config;
  config.send_buffer = 12345;
  auto s = session(config, 5);
  auto r = run(kProbe, {"connect", "5"}, s.environment());
  ASSERT_TRUE(exited_ok(r)) << r.err;
  EXPECT_EQ(r.num("sndbuf"), 2 * 12345);
  EXPECT_EQ(s.stats().send_buffers_capped, 5u);
  EXPECT_EQ(r.num("eintr_accept"), 0) << "the cap interrupts nothing";
  EXPECT_EQ(s.describe(), "SO_SNDBUF 12345 on every accepted socket");
  EXPECT_EQ(s.fault_text(), "preload-shim:short=0,eintr_permille=0,eintr_max_run=3,sndbuf=12345");
}

TEST(ShimSendBuffer, OffByDefault) {
  auto s = session(ShimConfig{}, 5);
  auto r = run(kProbe, {"connect", "3"}, s.environment());
  ASSERT_TRUE(exited_ok(r)) << r.err;
  EXPECT_NE(r.num("sndbuf"), 2 * 12345);
  EXPECT_EQ(s.stats().send_buffers_capped, 0u);
  EXPECT_EQ(s.fault_text(), "preload-shim:short=0,eintr_permille=0,eintr_max_run=3");
}

// A session whose program ends on SIGRTMAX after LeakSanitizer's check.
ShimSession leak_signal_session() {
  ShimConfig config;
  config.leak_signal = true;
  return session(config, 5);
}

// The session's environment for the ASan build of the probe (the shim is preloaded before libasan).
std::vector<std::string> asan_environment(const ShimSession& s, bool detect_leaks) {
  auto env = s.environment();
  env.push_back(std::string("ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=") + (detect_leaks ? "1" : "0"));
  return env;
}

// SIGRTMAX runs LeakSanitizer's check and counts a clean one: the count, not the exit status,
// proves the check ran (a daemon's first process also exits 0, on its own).
TEST(ShimLeakSignal, ACleanLeakCheckIsCountedBeforeTheExit) {
  auto s = leak_signal_session();
  auto r = run(SHIM_PROBE_ASAN, {"leak-signal"}, asan_environment(s, true));
  ASSERT_TRUE(exited_ok(r)) << r.err;
  EXPECT_EQ(s.stats().clean_leak_checks, 1u);
  EXPECT_EQ(s.fault_text(), "preload-shim:short=0,eintr_permille=0,eintr_max_run=3,leak_signal=SIGRTMAX");
}

TEST(ShimLeakSignal, WithoutLeakSanitizerTheProgramEnds125AndNothingIsCounted) {
  auto s = leak_signal_session();
  auto r = run(kProbe, {"leak-signal"}, s.environment());
  ASSERT_TRUE(WIFEXITED(r.status)) << r.err;
  EXPECT_EQ(WEXITSTATUS(r.status), 125);
  EXPECT_EQ(s.stats().clean_leak_checks, 0u);
}

TEST(ShimLeakSignal, AnExitOfTheProgramsOwnCountsNothing) {
  auto s = leak_signal_session();
  auto r = run(SHIM_PROBE_ASAN, {"connect", "2"}, asan_environment(s, false));
  ASSERT_TRUE(exited_ok(r)) << r.err;
  EXPECT_TRUE(s.stats().loaded);
  EXPECT_EQ(s.stats().clean_leak_checks, 0u);
}

TEST(ShimDeterminism, TheSameSeedGivesTheSameReportAndAnotherSeedAnother) {
  std::vector<std::string> args = {"stream", "send", "200", "100"};
  auto a = run(kProbe, args, shim_env(-1, 200, 3, 1234));
  auto b = run(kProbe, args, shim_env(-1, 200, 3, 1234));
  auto c = run(kProbe, args, shim_env(-1, 200, 3, 1235));
  ASSERT_TRUE(exited_ok(a) && exited_ok(b) && exited_ok(c)) << a.err << b.err << c.err;
  ASSERT_FALSE(a.line.empty());
  EXPECT_GT(a.num("short"), 0);
  EXPECT_GT(eintr_total(a), 0);
  EXPECT_EQ(a.line, b.line);
  EXPECT_NE(a.report["seq"], c.report["seq"]);
}

TEST(ShimScope, ARegularFileIsNeverShortenedOrInterrupted) {
  testing::TempDir dir;
  auto path = (dir / "out.bin").string();
  auto r = run(kProbe, {"file", path, "50", "100"}, shim_env(7, 1000, 3));
  ASSERT_TRUE(exited_ok(r)) << r.err;
  EXPECT_EQ(r.num("short"), 0);
  EXPECT_EQ(r.num("eintr_write"), 0);
  EXPECT_EQ(r.num("min"), 100);
  EXPECT_EQ(std::filesystem::file_size(path), 5000u);
}

TEST(ShimScope, StdoutIsNeverShortenedOrInterrupted) {
  auto r = run(kProbe, {"stdout", "50", "100"}, shim_env(7, 1000, 3));
  ASSERT_TRUE(exited_ok(r)) << r.err;
  EXPECT_EQ(r.num("short"), 0);
  EXPECT_EQ(r.num("eintr_write"), 0);
  EXPECT_EQ(r.out.size(), 5000u);
}

TEST(ShimScope, AUdpDatagramIsNeverShortened) {
  auto r = run(kProbe, {"udp", "50", "100"}, shim_env(7, 0));
  ASSERT_TRUE(exited_ok(r)) << r.err;
  EXPECT_EQ(r.num("writes"), 50);
  EXPECT_EQ(r.num("short"), 0);
  EXPECT_EQ(r.num("min"), 100);
  EXPECT_EQ(r.num("corrupt"), 0) << "each datagram should arrive whole";
  // The shim does see sendto() (it interrupts it): leaving its length alone is deliberate.
  auto interrupted = run(kProbe, {"udp", "50", "100"}, shim_env(7, 1000, 1));
  ASSERT_TRUE(exited_ok(interrupted)) << interrupted.err;
  EXPECT_EQ(interrupted.num("eintr_write"), 50);
  EXPECT_EQ(interrupted.num("short"), 0);
}

// ---------------------------------------------------------------------------------------------
// ShimSession

TEST(ShimSession, TheEnvironmentPreloadsTheLibraryAndConfiguresIt) {
  auto s = session(ShimConfig{7, 250, 2}, 99);
  auto env = s.environment();
  EXPECT_THAT(env, ::testing::Contains("LD_PRELOAD=" + kShim));
  EXPECT_THAT(env, ::testing::Contains("SOCKGRADE_SHIM_SEED=99"));
  EXPECT_THAT(env, ::testing::Contains("SOCKGRADE_SHIM_SHORT=7"));
  EXPECT_THAT(env, ::testing::Contains("SOCKGRADE_SHIM_EINTR=250"));
  EXPECT_THAT(env, ::testing::Contains("SOCKGRADE_SHIM_EINTR_RUN=2"));
  EXPECT_THAT(env, ::testing::Contains(::testing::StartsWith("SOCKGRADE_SHIM_STATS=/")));
  EXPECT_EQ(s.describe(),
            "at most 7 bytes per socket write, EINTR on 25% of socket calls (at most 2 in a row)");
  EXPECT_EQ(session(ShimConfig{-1, 0, 3}, 1).describe(),
            "socket writes cut to a random share of their length");
  EXPECT_EQ(session(ShimConfig{}, 1).describe(), "");
}

TEST(ShimSession, StatsReadBackWhatTheShimCounted) {
  auto s = session(ShimConfig{7, 250, 3}, 5);
  EXPECT_FALSE(s.stats().loaded) << "nothing ran yet";
  auto r = run(kProbe, {"stream", "write", "100", "100"}, s.environment());
  ASSERT_TRUE(exited_ok(r)) << r.err;
  auto st = s.stats();
  EXPECT_TRUE(st.loaded);
  EXPECT_EQ(static_cast<long>(st.calls), r.num("calls"));
  EXPECT_EQ(static_cast<long>(st.short_writes), r.num("short"));
  EXPECT_EQ(static_cast<long>(st.eintr), eintr_total(r));
  EXPECT_EQ(static_cast<long>(st.bytes_withheld), r.num("withheld"));
  EXPECT_EQ(r.num("short"), 100);
  EXPECT_GT(st.eintr, 0u);
}

TEST(ShimSession, WithoutThePreloadTheCountersStayEmpty) {
  auto s = session(ShimConfig{7, 250, 3}, 5);
  std::vector<std::string> env;
  for (const auto& e : s.environment()) {
    if (!starts_with(e, "LD_PRELOAD=")) env.push_back(e);
  }
  auto r = run(kProbe, {"stream", "write", "20", "100"}, env);
  ASSERT_TRUE(exited_ok(r)) << r.err;
  EXPECT_EQ(r.num("short"), 0);
  auto st = s.stats();
  EXPECT_FALSE(st.loaded);
  EXPECT_EQ(st.calls, 0u);
}

TEST(ShimSession, TheCountersFileLivesAsLongAsTheSession) {
  std::string path;
  {
    auto a = session(ShimConfig{7, 0, 3}, 1);
    path = stats_path_of(a);
    ASSERT_TRUE(std::filesystem::exists(path));
    EXPECT_EQ(std::filesystem::file_size(path), 4096u);
    ShimSession b(std::move(a));  // the moved-from session must not remove b's file
    EXPECT_EQ(stats_path_of(b), path);
    {
      ShimSession gone(std::move(b));
      b = std::move(gone);
    }
    EXPECT_TRUE(std::filesystem::exists(path));
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(ShimSession, KeepsItsCountersFileInTheGivenDirectory) {
  testing::TempDir dir;
  auto s = ShimSession::create(ShimConfig{7, 0, 3}, 1, kShim, dir.path().string());
  ASSERT_TRUE(s.ok()) << s.error().message;
  auto path = std::filesystem::path(stats_path_of(*s));
  EXPECT_EQ(path.parent_path(), dir.path());
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_THAT(ShimSession::create(ShimConfig{7, 0, 3}, 1, kShim, (dir / "no/such/dir").string()),
              FailsWith(HasSubstr("mkstemp")));
}

TEST(ShimLibraryPath, HonoursSockgradeShim) {
  ::setenv("SOCKGRADE_SHIM", "/somewhere/libsockgrade_shim.so", 1);
  auto p = shim_library_path();
  ::unsetenv("SOCKGRADE_SHIM");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, "/somewhere/libsockgrade_shim.so");
}

// ---------------------------------------------------------------------------------------------
// Static binaries: LD_PRELOAD cannot reach them, so they must be detected.

TEST(IsDynamicallyLinked, TrueForADynamicallyLinkedProgram) {
  auto probe = is_dynamically_linked(kProbe);
  ASSERT_TRUE(probe.ok()) << probe.error().message;
  EXPECT_TRUE(*probe);
  auto self = is_dynamically_linked("/proc/self/exe");
  ASSERT_TRUE(self.ok()) << self.error().message;
  EXPECT_TRUE(*self);
}

TEST(IsDynamicallyLinked, FalseForAStaticallyLinkedProgram) {
#ifdef SHIM_PROBE_STATIC
  auto r = is_dynamically_linked(SHIM_PROBE_STATIC);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(*r);
#else
  GTEST_SKIP() << "no static libc here (libc.a), so no static probe was built";
#endif
}

TEST(IsDynamicallyLinked, AStaticProgramIndeedIgnoresThePreload) {
#ifdef SHIM_PROBE_STATIC
  auto s = session(ShimConfig{7, 0, 3}, 1);
  auto r = run(SHIM_PROBE_STATIC, {"stream", "write", "20", "100"}, s.environment());
  ASSERT_TRUE(exited_ok(r)) << r.err;
  EXPECT_EQ(r.num("short"), 0) << "the shim reached a static program?";
  EXPECT_FALSE(s.stats().loaded);
#else
  GTEST_SKIP() << "no static libc here (libc.a), so no static probe was built";
#endif
}

TEST(IsDynamicallyLinked, AnErrorForAFileThatIsNotElf) {
  testing::TempDir dir;
  // Longer than an ELF header, so that only the magic tells it apart.
  auto text =
      dir.write("notes.txt",
                "hello, this is not a program; it is a text file of more than sixty-four bytes\n");
  auto r = is_dynamically_linked(text.string());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("not an ELF executable"));
  EXPECT_THAT(r.error().message, HasSubstr(text.string()));

  auto empty = dir.write("empty", "");
  EXPECT_FALSE(is_dynamically_linked(empty.string()).ok());
  // Just the magic, then nothing: truncated.
  auto magic = dir.write("magic", std::string("\x7f"
                                              "ELF",
                                              4));
  EXPECT_FALSE(is_dynamically_linked(magic.string()).ok());
}

TEST(IsDynamicallyLinked, AnErrorForAShellScript) {
  testing::TempDir dir;
  auto script = dir.write("server.sh",
                          "#!/bin/sh\n# a student's \"server\": a shell script around netcat\nexec "
                          "nc -l -p 9000 -k -e /bin/cat\n",
                          0755);
  ASSERT_GT(std::filesystem::file_size(script), 64u)
      << "the script should be longer than an ELF header";
  auto r = is_dynamically_linked(script.string());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("not an ELF executable"));
}

TEST(IsDynamicallyLinked, AnErrorForA32BitElfFile) {
  testing::TempDir dir;
  std::string header = std::string(
                           "\x7f"
                           "ELF") +
                       '\x01' + '\x01' + '\x01' + std::string(57, '\0');
  auto elf32 = dir.write("prog32", header, 0755);
  auto r = is_dynamically_linked(elf32.string());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("not a 64-bit ELF executable"));
}

TEST(IsDynamicallyLinked, AnErrorForAMissingFile) {
  EXPECT_THAT(is_dynamically_linked("/nonexistent/sockgrade/program"),
              FailsWith(HasSubstr("cannot read /nonexistent/sockgrade/program")));
}

}  // namespace
}  // namespace sockgrade::faults
