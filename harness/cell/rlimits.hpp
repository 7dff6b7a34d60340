// Resource limits for the student's processes (BRIEF §4 layer 3). The plan is built before
// fork; applying it between fork and exec only calls setrlimit (async-signal-safe).
#pragma once

#include <sys/resource.h>

#include <cstdint>

#include <nlohmann/json.hpp>

namespace sockgrade::cell {

struct Limits {
  int cpu_seconds = 10;
  uint64_t address_space_bytes = 1024ull << 20;
  int open_files = 256;
  uint64_t file_size_bytes = 64ull << 20;
  int processes = 64;  // RLIMIT_NPROC (per uid: effective under the cell's own uid) and pids.max
  int wall_seconds = 20;
  uint64_t memory_bytes = 256ull << 20;  // the cgroup memory limit, when cgroups are available
};

struct RlimitPlan {
  struct Item {
    int resource;
    rlim_t value;
    const char* step;  // names the failing step: "setrlimit(RLIMIT_AS)"
    rlim_t hard_extra = 0;  // the hard limit is value + hard_extra
  };
  Item items[8];
  int count = 0;
};

// `per_uid`: include RLIMIT_NPROC, which counts every process of the uid — only when the
// program runs under a uid of its own, never under the user's.
RlimitPlan plan_rlimits(const Limits& limits, bool per_uid);

// Between fork and exec: applies the plan; returns the failed step's name or nullptr.
const char* apply_rlimits(const RlimitPlan& plan) noexcept;

// The limits as recorded in a report.
nlohmann::json limits_to_json(const Limits& limits);

}  // namespace sockgrade::cell
