// Whether a program that missed a deadline was starved by the machine rather than stuck: on a
// loaded machine a correct program can be ready to run and still get almost no CPU, and a
// deadline that runs out then proves nothing about the program. A check that would charge a
// missed deadline asks this first; when the proof holds it reports a harness error (the runner
// retries the check alone) instead of a student failure.
#pragma once

#include <optional>
#include <string>
#include <sys/types.h>

#include "core/clock.hpp"
#include "grading/check.hpp"
#include "net/observe.hpp"

namespace sockgrade::grading {

// The proof a program was starved over a window: its tasks were ready to run (on a CPU or
// waiting for one) for at least half of it, yet it got at most a quarter of one CPU. The CPU
// time it waited for went to other programs: its own tasks, together, used too little to be
// what it waited behind. A program that starves itself (many spinning threads) uses a lot of
// CPU and is never excused by this.
struct Starvation {
  double wall_ms = 0;
  double cpu_ms = 0;
  double waiting_ms = 0;  // summed over its tasks: runnable but not on a CPU
  std::string sentence() const;
};

// Decides from figures (for tests); nullopt unless the proof above holds.
std::optional<Starvation> starvation_of(double wall_ms, double cpu_ms, double runnable_ms);

// Samples the CPU times of a process tree at construction (or restart) and judges the window.
class StarvationWatch {
 public:
  explicit StarvationWatch(pid_t root);
  void restart();
  // nullopt unless starved since the last sample (or when schedstat is unreadable: then no
  // waiting time is known, and nothing is claimed).
  std::optional<Starvation> starved() const;

 private:
  pid_t root_;
  net::CpuSample before_;
  Stopwatch clock_;
};

class Context;

// For a check about to charge a missed deadline: when `watch` proves the program starved, the
// proof goes into the evidence ("starved") and the result is a harness error (not charged;
// the runner retries the check alone). Otherwise passes through, claiming nothing.
Step<void> not_starved(Context& ctx, const StarvationWatch& watch);

}  // namespace sockgrade::grading
