// When a missed deadline is the machine's doing: the proof from figures, and from live
// processes (one asleep, one kept off the CPUs by busier ones).
#include "grading/starvation.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "core/wait.hpp"

namespace sockgrade::grading {
namespace {

TEST(Starvation, ReadyToRunButNoCpuIsProof) {
  // one-byte-per-call seen under load: runnable 19.9 s of 20 s, 2.7 s of CPU
  auto s = starvation_of(20000, 2700, 19900);
  ASSERT_TRUE(s.has_value());
  EXPECT_NEAR(s->waiting_ms, 17200, 1);
  EXPECT_NE(s->sentence().find("waited 17.2 s"), std::string::npos) << s->sentence();
}

TEST(Starvation, AProgramThatUsesTheCpuOrSleepsIsNotExcused) {
  EXPECT_FALSE(starvation_of(10000, 19000, 40000));  // spinning threads of its own: it starved itself
  EXPECT_FALSE(starvation_of(10000, 3000, 9000));    // a third of a CPU: too much to blame others
  EXPECT_FALSE(starvation_of(10000, 10, 200));       // asleep (blocked) most of the time
  EXPECT_FALSE(starvation_of(0, 0, 0));
}

TEST(Starvation, ASubmissionWhoseOtherCellsTookTheCpusIsNotExcused) {
  // hostile/cpu-spin seen with six cells at once: each copy got 1.1 s of 5.2 s and waited 4 s,
  // because the other copies spun: together they used about a CPU.
  EXPECT_FALSE(starvation_of(5200, 1100, 5100, 5600));
  // The same figures with the submission's cells nearly idle: the machine starved it.
  auto s = starvation_of(5200, 1100, 5100, 1300);
  ASSERT_TRUE(s.has_value());
  EXPECT_NE(s->sentence().find("in all its checks: 1.3 s"), std::string::npos) << s->sentence();
}

pid_t spawn(void (*body)()) {
  pid_t pid = ::fork();
  if (pid == 0) {
    body();
    ::_exit(0);
  }
  return pid;
}

void stop(pid_t pid) {
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

TEST(StarvationWatch, ASleepingProcessIsNotStarved) {
  pid_t pid = spawn([] { ::pause(); });
  StarvationWatch watch(pid, {}, true);
  ::usleep(200 * 1000);  // a window to measure, not synchronisation
  EXPECT_FALSE(watch.starved());
  stop(pid);
}

// One attempt: a child spinning at SCHED_IDLE while this test spins a thread per CPU at the
// normal policy, so the child is ready to run all the time and gets (almost) no CPU.
std::optional<Starvation> starve_a_child() {
  pid_t pid = spawn([] {
    sched_param none{};
    if (::sched_setscheduler(0, SCHED_IDLE, &none) != 0) ::_exit(3);
    for (;;) {
    }
  });
  std::atomic<bool> done{false};
  std::vector<std::thread> hogs;
  unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < cpus; ++i) {
    hogs.emplace_back([&] {
      while (!done.load()) {
      }
    });
  }
  StarvationWatch watch(pid, {}, true);
  ::usleep(400 * 1000);  // the window the hogs fill, not synchronisation
  auto cpu_at_stop = net::cpu_times(pid).cpu_ns;
  done = true;
  for (auto& h : hogs) h.join();
  // schedstat counts a wait when the task next runs: judge once the child has run again.
  bool ran = wait_until(Deadline::after(Millis(10000)), [&] { return net::cpu_times(pid).cpu_ns > cpu_at_stop; });
  auto starved = ran ? watch.starved() : std::nullopt;
  int status = 0;
  bool alive = ::waitpid(pid, &status, WNOHANG) == 0;
  stop(pid);
  EXPECT_TRUE(alive) << "the child could not set SCHED_IDLE";
  return starved;
}

TEST(StarvationWatch, AProcessKeptOffTheCpusByBusierOnesIsStarved) {
  // Other tests running at once may hand the child some CPU in one attempt: the watch must see
  // the starvation when it happens, so one of three attempts must show it.
  std::optional<Starvation> starved;
  for (int attempt = 0; attempt < 3 && !starved; ++attempt) starved = starve_a_child();
  ASSERT_TRUE(starved.has_value());
  EXPECT_LT(starved->cpu_ms, 0.25 * starved->wall_ms);
}

}  // namespace
}  // namespace sockgrade::grading
