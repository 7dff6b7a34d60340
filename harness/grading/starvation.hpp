// Whether a program that missed a deadline was starved by the machine rather than stuck: on a
// loaded machine a correct program can be ready to run and still get almost no CPU, and a
// deadline that runs out then proves nothing about the program. A check that would charge a
// missed deadline asks this first; when the proof holds it reports a harness error (the runner
// retries the check alone) instead of a student failure.
#pragma once

#include <optional>
#include <string>
#include <vector>
#include <sys/types.h>

#include "cell/cgroup.hpp"
#include "core/clock.hpp"
#include "grading/check.hpp"
#include "net/observe.hpp"

namespace sockgrade::grading {

class Context;

// The proof a program was starved over a window: its tasks were ready to run (on a CPU or
// waiting for one) for at least half of it, yet it got at most a quarter of one CPU, and the
// whole submission (its programs in every check's cell, which run at once) got at most half of
// one CPU: the CPU time it waited for went to other programs, not to its own copies. A
// submission that starves itself (spinning copies in other cells, many spinning threads) uses a
// lot of CPU and is never excused by this.
struct Starvation {
  double wall_ms = 0;
  double cpu_ms = 0;
  double waiting_ms = 0;          // summed over its tasks: runnable but not on a CPU
  double submission_cpu_ms = -1;  // all its cells; -1: one cell at a time (no other copy ran)
  std::string sentence() const;
};

// Decides from figures (for tests); nullopt unless the proof above holds. submission_cpu_ms < 0
// means the program ran alone (no other cell of the submission at the same time).
std::optional<Starvation> starvation_of(double wall_ms, double cpu_ms, double runnable_ms,
                                        double submission_cpu_ms = -1);

// Samples the CPU times of a process tree (and of the submission's cells) at construction or
// restart, and judges the window since.
class StarvationWatch {
 public:
  // `submission`: every cell's cgroup of the grading; empty when unknown. `alone`: the checks
  // run one at a time (no private network), so no other copy competes.
  StarvationWatch(pid_t root, std::vector<const cell::Cgroup*> submission, bool alone);
  explicit StarvationWatch(Context& ctx, pid_t root);
  void restart();
  // nullopt unless starved since the last sample; also when schedstat is unreadable (no
  // waiting time known), or when the submission's CPU is unknown while its cells run at once.
  std::optional<Starvation> starved() const;

 private:
  std::optional<uint64_t> submission_us() const;
  pid_t root_;
  std::vector<const cell::Cgroup*> submission_;
  bool alone_;
  net::CpuSample before_;
  std::optional<uint64_t> submission_before_;
  Stopwatch clock_;
};

// The one wording of an excused deadline: writes the proof into the evidence ("starved":
// "server: over 5.2 s its tasks waited …") and returns the harness error's message.
std::string record_starvation(Context& ctx, const std::string& who, const Starvation& starved);

// For a check about to charge a missed deadline: when `watch` proves the program (`who`, "server")
// starved, the proof goes into the evidence and the result is a harness error (not charged; the
// runner retries the check alone). Otherwise passes through, claiming nothing.
Step<void> not_starved(Context& ctx, const StarvationWatch& watch, const std::string& who);

}  // namespace sockgrade::grading
