#include "cell/fate.hpp"

#include <signal.h>

#include <cstdio>
#include <vector>

#include "core/bytes.hpp"

namespace sockgrade::cell {

namespace {

// "10.0 s of CPU used": the proof that the CPU limit, not someone else, ended the program.
std::string cpu_used(const Verdict& v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.1f s of CPU used", v.cpu_ms / 1000.0);
  return buf;
}

// RLIMIT_CPU sends SIGXCPU at the soft limit and SIGKILL at the hard one (a second later, for a
// program that ignores or survives SIGXCPU): a SIGKILL counts as the CPU limit's only when the
// CPU time read at the exit reached the soft limit.
bool cpu_limit_reached(const Verdict& v, const Limits& limits) {
  return limits.cpu_seconds > 0 && v.cpu_ms >= limits.cpu_seconds * 1000.0 - 50;
}

}  // namespace

std::string describe_fate(const Verdict& v, const Limits& limits, const CgroupStats* cgroup) {
  if (v.kind == Verdict::Kind::signaled) {
    if (v.signal == SIGKILL && cgroup && cgroup->oom_kills > 0) {
      return "killed: memory limit " + format_size(limits.memory_bytes) + " (the kernel's OOM killer, signal 9)";
    }
    if (v.signal == SIGXCPU || (v.signal == SIGKILL && cpu_limit_reached(v, limits))) {
      std::string how = v.signal == SIGXCPU ? "SIGXCPU" : "SIGKILL";
      if (v.cpu_ms >= 0) how += ", " + cpu_used(v);
      return "killed: CPU time limit " + std::to_string(limits.cpu_seconds) + " s (" + how + ")";
    }
    if (v.signal == SIGXFSZ) return "killed: file size limit " + format_size(limits.file_size_bytes) + " (SIGXFSZ)";
  }
  return v.describe();
}

Pressure describe_pressure(const CgroupStats& cgroup, const Limits& limits) {
  Pressure p;
  std::vector<std::string> parts;
  // Usage within 5% of the limit: the kernel is reclaiming, the program is not getting on.
  if (limits.memory_bytes > 0 && cgroup.memory_peak >= limits.memory_bytes / 20 * 19) {
    p.memory_exhausted = true;
    parts.push_back("it used its whole memory limit " + format_size(limits.memory_bytes));
  }
  // RLIMIT_NPROC usually refuses the forks before pids.max does: count the processes too. A
  // fork loop on a loaded machine may not have filled every slot by the deadline (forks wait
  // on locks that every fork shares): half of them taken without listening is telling too.
  const auto limit = static_cast<uint64_t>(limits.processes);
  if (cgroup.pids_refused > 0 || (limit > 0 && cgroup.processes >= limit * 9 / 10)) {
    std::string refused = cgroup.pids_refused > 0 ? ", which refused " + std::to_string(cgroup.pids_refused) + " forks" : "";
    parts.push_back("it ran " + std::to_string(cgroup.processes) + " processes, at the process limit (" +
                    std::to_string(limits.processes) + ")" + refused + ": a fork loop?");
  } else if (limit > 0 && cgroup.processes >= limit / 2) {
    parts.push_back("it ran " + std::to_string(cgroup.processes) + " processes, near the process limit (" +
                    std::to_string(limits.processes) + "): a fork loop?");
  }
  for (std::size_t i = 0; i < parts.size(); ++i) p.sentence += (i ? "; " : "") + parts[i];
  return p;
}

}  // namespace sockgrade::cell
