#include "cell/fate.hpp"

#include <signal.h>

#include "core/bytes.hpp"

namespace sockgrade::cell {

std::string describe_fate(const Verdict& v, const Limits& limits, const CgroupStats* cgroup) {
  if (v.kind == Verdict::Kind::signaled) {
    if (v.signal == SIGKILL && cgroup && cgroup->oom_kills > 0) {
      return "killed: memory limit " + format_bytes(limits.memory_bytes) + " (the kernel's OOM killer, signal 9)";
    }
    if (v.signal == SIGXCPU) return "killed: CPU time limit " + std::to_string(limits.cpu_seconds) + " s (SIGXCPU)";
    if (v.signal == SIGXFSZ) return "killed: file size limit " + format_bytes(limits.file_size_bytes) + " (SIGXFSZ)";
  }
  return v.describe();
}

}  // namespace sockgrade::cell
