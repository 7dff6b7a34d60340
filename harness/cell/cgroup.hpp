// cgroup limits for a student's processes (BRIEF §4 layer 5): a memory limit (the kernel's OOM
// killer ends the program, and the report says so) and a process limit (a fork bomb hits
// EAGAIN), cgroup v1 or v2, used when the harness may create groups.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/fd.hpp"
#include "core/result.hpp"

namespace sockgrade::cell {

struct CgroupSupport {
  int version = 0;           // 0: unavailable, 1 or 2
  std::string memory_base;   // the directory new groups are made in (v2: both controllers)
  std::string pids_base;
  std::string cpu_base;      // v1 only, optional: "" when the cpu hierarchy is not usable
  std::string why_not;       // when unavailable: why, and what to do
};

// Probes once: where the harness's own groups are and whether it may create groups there.
CgroupSupport detect_cgroups();

struct CgroupLimits {
  uint64_t memory_bytes = 256ull << 20;
  int pids = 64;
  // The cell's CPU weight, in percent of an ordinary process's: under contention a spinning
  // program gets half of what a process outside gets. A weight, not a quota (cpu.cfs_quota_us,
  // cpu.max): a throttled group stops even while one of its tasks holds a kernel lock that all
  // forks and exits share (a file's i_mmap_rwsem, the cgroup threadgroup rwsem), and a fork bomb
  // at its quota then stalled every fork on the machine for seconds.
  int cpu_weight_percent = 50;
};

struct CgroupStats {
  uint64_t oom_kills = 0;     // processes the OOM killer ended in this group
  uint64_t memory_peak = 0;   // bytes
  uint64_t pids_refused = 0;  // forks refused by the process limit
  uint64_t processes = 0;     // in the group now
};

class Cgroup {
 public:
  static Result<std::unique_ptr<Cgroup>> create(const CgroupSupport& support, const std::string& name,
                                                const CgroupLimits& limits);
  ~Cgroup();
  // Descriptors of the groups' cgroup.procs: a child writes "0" into each to join.
  std::vector<int> join_fds() const;
  CgroupStats stats() const;
  // CPU time its processes used, in microseconds (cgroup v2 cpu.stat usage_usec; v1 cpuacct
  // is not read): nullopt when unknown.
  std::optional<uint64_t> cpu_usage_us() const;
  // SIGKILL to every process in the groups, until they are empty.
  void kill_all();

 private:
  Cgroup() = default;
  int version_ = 0;
  std::vector<std::string> dirs_;
  std::vector<Fd> procs_;
};

// Between fork and exec: joins the groups (writes "0" to each descriptor). Returns the failed
// step's name, or nullptr.
const char* join_cgroups(const int* fds, int count) noexcept;

}  // namespace sockgrade::cell
