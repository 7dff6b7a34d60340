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

}  // namespace sockgrade::cell
