#include "cell/cgroup.hpp"

#include <algorithm>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "core/strings.hpp"
#include "core/wait.hpp"
#include "net/observe.hpp"

namespace sockgrade::cell {
namespace {

bool write_file(const std::string& path, const std::string& value) {
  Fd f(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  return f && ::write(f.get(), value.data(), value.size()) == static_cast<ssize_t>(value.size());
}

// "key value" lines (memory.events, pids.events, memory.oom_control).
uint64_t keyed_value(const std::string& text, const std::string& key) {
  for (const auto& line : split(text, '\n')) {
    if (starts_with(line, key + " ")) {
      uint64_t v = 0;
      auto s = line.substr(key.size() + 1);
      std::from_chars(s.data(), s.data() + s.size(), v);
      return v;
    }
  }
  return 0;
}

uint64_t number_file(const std::string& path) {
  auto t = net::read_proc_file(path);
  if (!t) return 0;
  uint64_t v = 0;
  std::from_chars(t->data(), t->data() + t->size(), v);
  return v;
}

// The path of this process's group for a v1 controller, or for v2 ("").
std::string own_group(const std::string& controller) {
  auto text = net::read_proc_file("/proc/self/cgroup");
  if (!text) return {};
  for (const auto& line : split(*text, '\n')) {
    auto parts = split(line, ':');
    if (parts.size() < 3) continue;
    if (controller.empty() ? (parts[0] == "0" && parts[1].empty()) : false) return parts[2];
    for (const auto& c : split(parts[1], ',')) {
      if (c == controller) return parts[2];
    }
  }
  return {};
}

// Where this process's group of `controller` is mounted: the hierarchy's root plus the path in
// /proc/self/cgroup, or the root alone when that path does not exist there (a container sees
// its own group mounted as the root, but /proc/self/cgroup may still name the host's path).
std::string group_dir(const std::string& root, const std::string& controller) {
  std::string dir = root + own_group(controller);
  struct stat st;
  return ::stat(dir.c_str(), &st) == 0 ? dir : root;
}

// Why groups cannot be made in `base`, with what to do; errno from the failed mkdir.
std::string cannot_create_why(const std::string& base, int err) {
  std::string why = "cannot create groups in " + base + " (" + std::strerror(err) + ")";
  if (err == EROFS) return why + " — a container's /sys/fs/cgroup is read-only: in Docker use --privileged";
  if (err == EACCES || err == EPERM) return why + " — run the harness as root";
  return why;
}

// Whether a group can be made (and removed) in `base`.
bool can_create_in(const std::string& base) {
  std::string probe = base + "/sockgrade-probe-" + std::to_string(::getpid());
  if (::mkdir(probe.c_str(), 0755) != 0) return false;
  ::rmdir(probe.c_str());
  return true;
}

}  // namespace

CgroupSupport detect_cgroups() {
  CgroupSupport s;
  struct stat st;
  // v1: separate memory and pids hierarchies.
  if (::stat("/sys/fs/cgroup/memory/memory.limit_in_bytes", &st) == 0 && ::stat("/sys/fs/cgroup/pids", &st) == 0) {
    std::string mem = group_dir("/sys/fs/cgroup/memory", "memory");
    std::string pids = group_dir("/sys/fs/cgroup/pids", "pids");
    if (!can_create_in(mem)) {
      s.why_not = "cgroup v1: " + cannot_create_why(mem, errno);
    } else if (!can_create_in(pids)) {
      s.why_not = "cgroup v1: " + cannot_create_why(pids, errno);
    } else {
      s.version = 1;
      s.memory_base = mem;
      s.pids_base = pids;
      std::string cpu = group_dir("/sys/fs/cgroup/cpu", "cpu");
      if (::stat((cpu + "/cpu.shares").c_str(), &st) == 0 && can_create_in(cpu)) s.cpu_base = cpu;
    }
    return s;
  }
  // v2: one hierarchy; both controllers must be delegated to the harness's group.
  if (::stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0) {
    std::string base = group_dir("/sys/fs/cgroup", "");
    auto controllers = net::read_proc_file(base + "/cgroup.subtree_control").value_or("");
    if (controllers.find("memory") == std::string::npos || controllers.find("pids") == std::string::npos) {
      write_file(base + "/cgroup.subtree_control", "+memory +pids +cpu");
      controllers = net::read_proc_file(base + "/cgroup.subtree_control").value_or("");
    }
    if (controllers.find("memory") != std::string::npos && controllers.find("pids") != std::string::npos &&
        can_create_in(base)) {
      s.version = 2;
      s.memory_base = s.pids_base = base;
      return s;
    }
    s.why_not = "cgroup v2: the memory and pids controllers are not delegated to " + base +
                " (in Docker: --cgroupns=private with a writable /sys/fs/cgroup, or run the harness in a "
                "delegated leaf group)";
    return s;
  }
  s.why_not = "no cgroup filesystem under /sys/fs/cgroup";
  return s;
}

Result<std::unique_ptr<Cgroup>> Cgroup::create(const CgroupSupport& support, const std::string& name,
                                               const CgroupLimits& limits) {
  if (support.version == 0) return error_result(support.why_not);
  std::unique_ptr<Cgroup> g(new Cgroup());
  g->version_ = support.version;
  auto make = [&](const std::string& base) -> Result<std::string> {
    std::string dir = base + "/" + name;
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return unexpected(errno_error("mkdir(" + dir + ")"));
    g->dirs_.push_back(dir);
    return dir;
  };
  if (support.version == 1) {
    SG_TRY(auto mem, make(support.memory_base));
    SG_TRY(auto pids, make(support.pids_base));
    if (!write_file(mem + "/memory.limit_in_bytes", std::to_string(limits.memory_bytes))) {
      return unexpected(errno_error("write(" + mem + "/memory.limit_in_bytes)"));
    }
    write_file(mem + "/memory.memsw.limit_in_bytes", std::to_string(limits.memory_bytes));  // absent without swap accounting
    if (!write_file(pids + "/pids.max", std::to_string(limits.pids))) {
      return unexpected(errno_error("write(" + pids + "/pids.max)"));
    }
    if (!support.cpu_base.empty()) {
      SG_TRY(auto cpu, make(support.cpu_base));
      write_file(cpu + "/cpu.shares", std::to_string(1024 * limits.cpu_weight_percent / 100));
    }
  } else {
    SG_TRY(auto dir, make(support.memory_base));
    if (!write_file(dir + "/memory.max", std::to_string(limits.memory_bytes))) {
      return unexpected(errno_error("write(" + dir + "/memory.max)"));
    }
    write_file(dir + "/memory.swap.max", "0");
    write_file(dir + "/cpu.weight", std::to_string(std::max(1, 100 * limits.cpu_weight_percent / 100)));  // absent without +cpu
    if (!write_file(dir + "/pids.max", std::to_string(limits.pids))) {
      return unexpected(errno_error("write(" + dir + "/pids.max)"));
    }
  }
  // v1: the program joins through "tasks", which moves one thread (the program is single-threaded
  // between fork and exec) without the global lock that a write to cgroup.procs takes, which
  // holds up every fork and exit on the machine for an RCU grace period, once per cell start.
  const std::string join_file = support.version == 1 ? "/tasks" : "/cgroup.procs";
  for (const auto& dir : g->dirs_) {
    g->procs_.emplace_back(::open((dir + join_file).c_str(), O_WRONLY | O_CLOEXEC));
    if (!g->procs_.back()) return unexpected(errno_error("open(" + dir + join_file + ")"));
  }
  return g;
}

Cgroup::~Cgroup() {
  kill_all();
  procs_.clear();
  for (const auto& dir : dirs_) ::rmdir(dir.c_str());
}

std::vector<int> Cgroup::join_fds() const {
  std::vector<int> fds;
  for (const auto& f : procs_) fds.push_back(f.get());
  return fds;
}

CgroupStats Cgroup::stats() const {
  CgroupStats s;
  if (dirs_.empty()) return s;
  if (version_ == 1) {
    s.oom_kills = keyed_value(net::read_proc_file(dirs_[0] + "/memory.oom_control").value_or(""), "oom_kill");
    s.memory_peak = number_file(dirs_[0] + "/memory.max_usage_in_bytes");
    s.pids_refused = keyed_value(net::read_proc_file(dirs_[1] + "/pids.events").value_or(""), "max");
    s.processes = number_file(dirs_[1] + "/pids.current");
  } else {
    s.oom_kills = keyed_value(net::read_proc_file(dirs_[0] + "/memory.events").value_or(""), "oom_kill");
    s.memory_peak = number_file(dirs_[0] + "/memory.peak");
    s.pids_refused = keyed_value(net::read_proc_file(dirs_[0] + "/pids.events").value_or(""), "max");
    s.processes = number_file(dirs_[0] + "/pids.current");
  }
  return s;
}

std::optional<uint64_t> Cgroup::cpu_usage_us() const {
  if (dirs_.empty() || version_ != 2) return std::nullopt;
  auto text = net::read_proc_file(dirs_[0] + "/cpu.stat");
  if (!text || text->find("usage_usec") == std::string::npos) return std::nullopt;
  return keyed_value(*text, "usage_usec");
}

void Cgroup::kill_all() {
  for (const auto& dir : dirs_) {
    // Killed processes leave the group as they exit; new ones may have been forked meanwhile.
    wait_until(Deadline::after(Millis(3000)), [&] {
      auto text = net::read_proc_file(dir + "/cgroup.procs");
      if (!text || trim(*text).empty()) return true;
      for (const auto& line : split(*text, '\n')) {
        int pid = 0;
        if (std::from_chars(line.data(), line.data() + line.size(), pid).ec == std::errc() && pid > 0) {
          ::kill(pid, SIGKILL);
        }
      }
      return false;
    });
  }
}

const char* join_cgroups(const int* fds, int count) noexcept {
  for (int i = 0; i < count; ++i) {
    if (::write(fds[i], "0", 1) != 1) return "write(0) to the cgroup's tasks (v1) / cgroup.procs (v2)";
  }
  return nullptr;
}

}  // namespace sockgrade::cell
