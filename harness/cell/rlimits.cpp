#include "cell/rlimits.hpp"

namespace sockgrade::cell {

RlimitPlan plan_rlimits(const Limits& l, bool per_uid) {
  RlimitPlan p;
  auto add = [&](int resource, rlim_t value, const char* step, rlim_t hard_extra = 0) {
    p.items[p.count++] = {resource, value, step, hard_extra};
  };
  // SIGXCPU at the limit, SIGKILL one second later: with soft == hard the kernel sends only
  // SIGKILL, which a report cannot tell from any other kill.
  add(RLIMIT_CPU, static_cast<rlim_t>(l.cpu_seconds), "setrlimit(RLIMIT_CPU)", 1);
  add(RLIMIT_AS, static_cast<rlim_t>(l.address_space_bytes), "setrlimit(RLIMIT_AS)");
  add(RLIMIT_NOFILE, static_cast<rlim_t>(l.open_files), "setrlimit(RLIMIT_NOFILE)");
  add(RLIMIT_FSIZE, static_cast<rlim_t>(l.file_size_bytes), "setrlimit(RLIMIT_FSIZE)");
  add(RLIMIT_CORE, 0, "setrlimit(RLIMIT_CORE)");
  if (per_uid) add(RLIMIT_NPROC, static_cast<rlim_t>(l.processes), "setrlimit(RLIMIT_NPROC)");
  return p;
}

const char* apply_rlimits(const RlimitPlan& plan) noexcept {
  for (int i = 0; i < plan.count; ++i) {
    struct rlimit r{plan.items[i].value, plan.items[i].value + plan.items[i].hard_extra};
    if (::setrlimit(plan.items[i].resource, &r) != 0) return plan.items[i].step;
  }
  return nullptr;
}

nlohmann::json limits_to_json(const Limits& l) {
  return {{"cpu_seconds", l.cpu_seconds},
          {"address_space_bytes", l.address_space_bytes},
          {"open_files", l.open_files},
          {"file_size_bytes", l.file_size_bytes},
          {"processes", l.processes},
          {"wall_seconds", l.wall_seconds},
          {"memory_bytes", l.memory_bytes},
          {"core_dumps", false}};
}

}  // namespace sockgrade::cell
