// How a program ended, in the words a student reads, naming the limit that ended it when one
// did ("killed: memory limit 256 MiB", "killed: CPU time limit 10 s").
#pragma once

#include <string>

#include "cell/cgroup.hpp"
#include "cell/rlimits.hpp"
#include "cell/verdict.hpp"

namespace sockgrade::cell {

// `cgroup` may be null (no cgroup was in force).
std::string describe_fate(const Verdict& v, const Limits& limits, const CgroupStats* cgroup);

// What the limits did to a program that is still running, for a check that gave up waiting on
// it: "it used its whole memory limit 256 MiB", "the process limit (64) refused 9000 forks".
// Empty when no limit was reached. A program stuck at its memory limit may be OOM-killed a
// moment later or not at all (the kernel reclaims first), so the sentence names the limit
// either way and the verdict does not depend on that race.
struct Pressure {
  bool memory_exhausted = false;
  std::string sentence;
};
Pressure describe_pressure(const CgroupStats& cgroup, const Limits& limits);

}  // namespace sockgrade::cell
