#include "net/observe.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/fsuid.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <string>

#include <algorithm>
#include <charconv>
#include <map>
#include <sstream>

#include "core/fd.hpp"
#include "core/retry.hpp"

namespace sockgrade::net {
namespace {

// -1: read /proc with the harness's own ids.
std::atomic<int64_t> g_observe_uid{-1};
std::atomic<int64_t> g_observe_gid{-1};

bool has_cap_sys_ptrace() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("CapEff:", 0) == 0) {
      uint64_t caps = std::stoull(line.substr(7), nullptr, 16);
      return (caps >> 19) & 1;  // CAP_SYS_PTRACE
    }
  }
  return false;
}

// For its scope, this thread's filesystem ids are the observed program's (when set).
class AsObserved {
 public:
  AsObserved() {
    int64_t uid = g_observe_uid.load(), gid = g_observe_gid.load();
    if (uid < 0) return;
    old_gid_ = ::setfsgid(static_cast<gid_t>(gid));
    old_uid_ = ::setfsuid(static_cast<uid_t>(uid));
    active_ = true;
  }
  ~AsObserved() {
    if (!active_) return;
    ::setfsuid(static_cast<uid_t>(old_uid_));
    ::setfsgid(static_cast<gid_t>(old_gid_));
  }
  AsObserved(const AsObserved&) = delete;
  AsObserved& operator=(const AsObserved&) = delete;

 private:
  bool active_ = false;
  int old_uid_ = 0;
  int old_gid_ = 0;
};

// Numeric entries of a /proc directory (pids, tids, fds).
std::vector<long> numeric_entries(const std::string& dir) {
  std::vector<long> out;
  AsObserved as;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (auto* e = ::readdir(d)) {
    long v = 0;
    auto name = std::string_view(e->d_name);
    auto r = std::from_chars(name.data(), name.data() + name.size(), v);
    if (r.ec == std::errc() && r.ptr == name.data() + name.size()) out.push_back(v);
  }
  ::closedir(d);
  return out;
}

}  // namespace

void observe_as(uid_t uid, gid_t gid) {
  if (::geteuid() != 0 || has_cap_sys_ptrace()) return;
  g_observe_uid = uid;
  g_observe_gid = gid;
}

std::optional<std::string> read_proc_file(const std::string& path) {
  AsObserved as;
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return std::nullopt;
  std::string out;
  char buf[16384];
  for (;;) {
    ssize_t n = retry_eintr([&] { return ::read(fd.get(), buf, sizeof buf); });
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

std::optional<std::string> read_proc_link(const std::string& path) {
  AsObserved as;
  char target[4096];
  ssize_t n = ::readlink(path.c_str(), target, sizeof target - 1);
  if (n <= 0) return std::nullopt;
  return std::string(target, static_cast<std::size_t>(n));
}

std::vector<pid_t> descendants_of(pid_t root) {
  std::multimap<pid_t, pid_t> children;
  for (long pid : numeric_entries("/proc")) {
    auto text = read_proc_file("/proc/" + std::to_string(pid) + "/stat");
    if (!text) continue;
    auto st = parse_proc_stat(*text);
    if (st) children.emplace(st->ppid, st->pid);
  }
  std::vector<pid_t> out;
  std::vector<pid_t> frontier{root};
  while (!frontier.empty()) {
    pid_t p = frontier.back();
    frontier.pop_back();
    auto [b, e] = children.equal_range(p);
    for (auto it = b; it != e; ++it) {
      out.push_back(it->second);
      frontier.push_back(it->second);
    }
  }
  return out;
}

std::vector<pid_t> process_tree(pid_t root) {
  auto out = descendants_of(root);
  out.insert(out.begin(), root);
  return out;
}

std::vector<uint64_t> socket_inodes(pid_t pid) {
  std::vector<uint64_t> out;
  std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  for (long fd : numeric_entries(dir)) {
    char link[64];
    AsObserved as;
    ssize_t n = ::readlink((dir + "/" + std::to_string(fd)).c_str(), link, sizeof link - 1);
    if (n <= 0) continue;
    if (auto inode = parse_socket_link(std::string_view(link, static_cast<std::size_t>(n)))) {
      out.push_back(*inode);
    }
  }
  return out;
}

int count_fds(pid_t pid) {
  std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  AsObserved as;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return -1;
  ::closedir(d);
  return static_cast<int>(numeric_entries(dir).size());
}

namespace {

// The rows of /proc/<pid>/net/<table> and of <table>6 (udp has the columns of tcp).
std::vector<SocketRow> inet_table(pid_t pid, const std::string& table) {
  std::string base = "/proc/" + std::to_string(pid) + "/net/" + table;
  std::vector<SocketRow> rows;
  if (auto t = read_proc_file(base)) rows = parse_proc_net_tcp(*t, AF_INET);
  if (auto t = read_proc_file(base + "6")) {
    auto v6 = parse_proc_net_tcp(*t, AF_INET6);
    rows.insert(rows.end(), v6.begin(), v6.end());
  }
  return rows;
}

// Which of `pids` holds each socket inode (the first to hold it): the listings below keep only
// the sockets of these processes.
std::map<uint64_t, pid_t> socket_owners(const std::vector<pid_t>& pids) {
  std::map<uint64_t, pid_t> owner;
  for (pid_t p : pids) {
    for (uint64_t inode : socket_inodes(p)) owner.emplace(inode, p);
  }
  return owner;
}

}  // namespace

std::vector<SocketRow> tcp_table(pid_t pid) { return inet_table(pid, "tcp"); }

std::vector<Listener> listening_sockets(const std::vector<pid_t>& pids) {
  std::vector<Listener> out;
  if (pids.empty()) return out;
  auto owner = socket_owners(pids);
  if (owner.empty()) return out;
  for (const auto& row : tcp_table(pids.front())) {
    if (row.state != kTcpListen) continue;
    auto it = owner.find(row.inode);
    if (it != owner.end()) out.push_back(Listener{row.local, row.inode, it->second});
  }
  return out;
}

std::vector<Listener> listening_unix_sockets(const std::vector<pid_t>& pids) {
  std::vector<Listener> out;
  if (pids.empty()) return out;
  auto owner = socket_owners(pids);
  auto table = read_proc_file("/proc/" + std::to_string(pids.front()) + "/net/unix");
  if (owner.empty() || !table) return out;
  // "Num RefCount Protocol Flags Type St Inode [Path]": Flags 00010000 is __SO_ACCEPTCON
  // (listening), Type 0001 is SOCK_STREAM.
  std::istringstream in(*table);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string num, refs, proto, flags, type, st, path;
    uint64_t inode = 0;
    if (!(f >> num >> refs >> proto >> flags >> type >> st >> inode)) continue;
    f >> path;
    if (flags != "00010000" || type != "0001" || path.empty()) continue;
    auto it = owner.find(inode);
    if (it == owner.end()) continue;
    Endpoint ep;
    ep.family = AF_UNIX;
    ep.address = path;
    out.push_back(Listener{ep, inode, it->second});
  }
  return out;
}

std::vector<Listener> bound_udp_sockets(const std::vector<pid_t>& pids) {
  std::vector<Listener> out;
  if (pids.empty()) return out;
  auto owner = socket_owners(pids);
  if (owner.empty()) return out;
  for (const auto& row : inet_table(pids.front(), "udp")) {
    if (row.local.port == 0 || row.remote.port != 0) continue;  // unbound, or connected
    auto it = owner.find(row.inode);
    if (it != owner.end()) out.push_back(Listener{row.local, row.inode, it->second});
  }
  return out;
}

CpuTimes cpu_times(pid_t pid) {
  std::string base = "/proc/" + std::to_string(pid) + "/task";
  CpuTimes total;
  for (long tid : numeric_entries(base)) {
    auto t = read_proc_file(base + "/" + std::to_string(tid) + "/schedstat");
    if (!t) continue;
    if (auto s = parse_schedstat(*t)) {
      total.cpu_ns += s->on_cpu_ns;
      total.runnable_ns += s->on_cpu_ns + s->waiting_ns;
      total.runnable_known = true;
    }
  }
  if (total.runnable_known) return total;
  auto stat = read_proc_file("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return total;
  auto st = parse_proc_stat(*stat);
  if (!st) return total;
  long hz = ::sysconf(_SC_CLK_TCK);
  total.cpu_ns = (st->utime_ticks + st->stime_ticks) * (1000000000ull / static_cast<uint64_t>(hz > 0 ? hz : 100));
  return total;
}

uint64_t cpu_time_ns(pid_t pid) { return cpu_times(pid).cpu_ns; }

TreeSnapshot snapshot_tree(pid_t root) {
  TreeSnapshot s;
  for (pid_t p : process_tree(root)) {
    auto text = read_proc_file("/proc/" + std::to_string(p) + "/stat");
    if (!text) continue;
    auto st = parse_proc_stat(*text);
    if (!st) continue;
    if (st->state == 'Z' || st->state == 'X') {
      if (p != root) ++s.zombies;
      continue;
    }
    ++s.processes;
    s.threads += static_cast<int>(st->num_threads);
    s.cpu_ns += cpu_time_ns(p);
    if (p != root && TreeSnapshot::busy_state(st->state)) ++s.busy_children;
    if (p == root) {
      s.root_state = st->state;
      s.root_threads = static_cast<int>(st->num_threads);
      s.root_fds = count_fds(p);
    }
  }
  return s;
}

int64_t status_kib(pid_t pid, std::string_view field) {
  auto text = read_proc_file("/proc/" + std::to_string(pid) + "/status");
  return text ? parse_status_kib(*text, field) : -1;
}

int thread_stacks(pid_t pid) {
  auto text = read_proc_file("/proc/" + std::to_string(pid) + "/maps");
  return text ? count_thread_stacks(*text, static_cast<uint64_t>(::sysconf(_SC_PAGESIZE))) : -1;
}

CpuSample sample_cpu(pid_t root) {
  CpuSample s;
  for (pid_t p : process_tree(root)) s.per_process.emplace_back(p, cpu_times(p));
  return s;
}

CpuUse cpu_use_since(const CpuSample& before, pid_t root) {
  CpuUse use;
  use.runnable_known = true;
  uint64_t cpu = 0;
  uint64_t runnable = 0;
  for (const auto& [pid, now] : sample_cpu(root).per_process) {
    CpuTimes then;
    for (const auto& [p, times] : before.per_process) {
      if (p == pid) then = times;
    }
    if (now.cpu_ns > then.cpu_ns) cpu += now.cpu_ns - then.cpu_ns;
    if (now.runnable_ns > then.runnable_ns) runnable += now.runnable_ns - then.runnable_ns;
    use.runnable_known = use.runnable_known && now.runnable_known;
  }
  use.cpu_ms = static_cast<double>(cpu) / 1e6;
  use.runnable_ms = use.runnable_known ? static_cast<double>(runnable) / 1e6 : use.cpu_ms;
  return use;
}

double cpu_ms_since(const CpuSample& before, pid_t root) { return cpu_use_since(before, root).cpu_ms; }

std::vector<TaskCall> blocked_calls(const std::vector<pid_t>& pids) {
  std::vector<TaskCall> out;
  for (pid_t p : pids) {
    std::string base = "/proc/" + std::to_string(p) + "/task";
    for (long tid : numeric_entries(base)) {
      TaskCall t;
      t.pid = p;
      const std::string task = base + "/" + std::to_string(tid);
      if (auto text = read_proc_file(task + "/syscall")) {
        t.readable = true;
        t.call = parse_blocked_call(*text);
      }
      if (auto stat = read_proc_file(task + "/stat")) {
        if (auto st = parse_proc_stat(*stat)) t.state = st->state;
      }
      out.push_back(t);
    }
  }
  return out;
}

std::vector<long> blocked_syscalls(const std::vector<pid_t>& pids) {
  std::vector<long> out;
  for (const auto& task : blocked_calls(pids)) {
    if (task.readable) out.push_back(task.call.nr);
  }
  return out;
}

std::optional<uint64_t> socket_inode_of(pid_t pid, int fd) {
  char link[64];
  AsObserved as;
  auto path = "/proc/" + std::to_string(pid) + "/fd/" + std::to_string(fd);
  ssize_t n = ::readlink(path.c_str(), link, sizeof link - 1);
  if (n <= 0) return std::nullopt;
  return parse_socket_link(std::string_view(link, static_cast<std::size_t>(n)));
}

std::vector<SocketHolder> holders_of_socket(const std::vector<pid_t>& pids, uint64_t inode) {
  std::vector<SocketHolder> out;
  for (pid_t pid : pids) {
    for (long fd : numeric_entries("/proc/" + std::to_string(pid) + "/fd")) {
      auto found = socket_inode_of(pid, static_cast<int>(fd));
      if (!found || *found != inode) continue;
      SocketHolder h{pid, static_cast<int>(fd), -1};
      auto info = read_proc_file("/proc/" + std::to_string(pid) + "/fdinfo/" + std::to_string(fd));
      if (info) h.flags = parse_fdinfo_flags(*info);
      out.push_back(h);
    }
  }
  return out;
}

std::vector<pid_t> processes_in_namespace_of(pid_t pid) {
  auto ns_of = [](long p) -> std::string {
    char link[64];
    AsObserved as;
    ssize_t n = ::readlink(("/proc/" + std::to_string(p) + "/ns/net").c_str(), link, sizeof link - 1);
    return n > 0 ? std::string(link, static_cast<std::size_t>(n)) : std::string();
  };
  std::string mine = ns_of(pid);
  std::vector<pid_t> out;
  if (mine.empty()) return out;
  for (long p : numeric_entries("/proc")) {
    if (ns_of(p) == mine) out.push_back(static_cast<pid_t>(p));
  }
  return out;
}

}  // namespace sockgrade::net
