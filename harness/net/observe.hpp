// Observing the student's processes through /proc (BRIEF §4): listening sockets matched by
// inode, descriptors, threads, children, zombies, CPU time, and what a task is blocked in.
// Readiness is observed here, never probed with a connection.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/procfs.hpp"

namespace sockgrade::net {

// Reads of another process's /proc entries (fd, task, syscall) need ptrace access: root
// has it through CAP_SYS_PTRACE, which a default Docker container drops. A harness without it
// reads them with the observed program's uid and gid as its filesystem ids (setfsuid, per
// thread, for the duration of the read), which the kernel accepts for a process of that uid.
// Called once in a cell whose program runs under `uid`/`gid`; a no-op where not needed.
void observe_as(uid_t uid, gid_t gid);


// The whole file, or nullopt when it cannot be read (the process is gone).
std::optional<std::string> read_proc_file(const std::string& path);
// The target of a /proc link (/proc/PID/cwd), read as the observed uid like every /proc read
// here: root without CAP_SYS_PTRACE (a default container) may not read another uid's links.
std::optional<std::string> read_proc_link(const std::string& path);

// Every live descendant of `root` (children, grandchildren, …), by scanning /proc.
std::vector<pid_t> descendants_of(pid_t root);
// `root` and its descendants.
std::vector<pid_t> process_tree(pid_t root);

std::vector<uint64_t> socket_inodes(pid_t pid);
// Number of open descriptors, or -1 when /proc/<pid>/fd is unreadable.
int count_fds(pid_t pid);

// The TCP sockets (v4 and v6) of the network namespace `pid` lives in.
std::vector<SocketRow> tcp_table(pid_t pid);

struct Listener {
  Endpoint local;
  uint64_t inode = 0;
  pid_t pid = 0;  // a process that holds it
};
// Listening TCP sockets held by any of `pids` (matched by inode against the tcp tables).
std::vector<Listener> listening_sockets(const std::vector<pid_t>& pids);
// Listening UNIX-domain stream sockets held by any of `pids` (/proc/net/unix, by inode); the
// path, as bound, in local.address.
std::vector<Listener> listening_unix_sockets(const std::vector<pid_t>& pids);
// Bound, unconnected UDP sockets held by any of `pids` (/proc/net/udp{,6}, by inode): where a
// UDP server receives.
std::vector<Listener> bound_udp_sockets(const std::vector<pid_t>& pids);

struct TreeSnapshot {
  int processes = 0;      // live processes in the tree, root included
  int zombies = 0;        // children exited but not reaped
  int root_fds = -1;      // descriptors of the root process
  int root_threads = 0;
  int threads = 0;        // over the tree
  uint64_t cpu_ns = 0;    // CPU time of the live tasks of the tree
  char root_state = '?';
  // Children running or waiting for a CPU (R), or inside the kernel (D): not stuck, but busy
  // (one that saw its client leave is runnable until it has exited).
  int busy_children = 0;
  // The root busy in the same sense: it has not yet done what it is about to.
  bool root_busy() const { return busy_state(root_state); }
  // A process state of /proc/<pid>/stat that is busy: R or D.
  static bool busy_state(char state) { return state == 'R' || state == 'D'; }
};
TreeSnapshot snapshot_tree(pid_t root);

// A field of /proc/<pid>/status in KiB ("VmRSS"), or -1 when unreadable.
int64_t status_kib(pid_t pid, std::string_view field);
// Thread stacks mapped in `pid` (count_thread_stacks of its maps), or -1 when unreadable.
int thread_stacks(pid_t pid);

// CPU time of every task of `pid`, and how long they were runnable (on a CPU or waiting for
// one). A program that never blocks is runnable all the time however little CPU a loaded
// machine gives it; one that waits in a blocking call is not.
struct CpuTimes {
  uint64_t cpu_ns = 0;
  uint64_t runnable_ns = 0;
  bool runnable_known = false;  // schedstat was readable (else cpu_ns comes from clock ticks)
};
CpuTimes cpu_times(pid_t pid);
// CPU time in nanoseconds of every task of `pid` (schedstat, falling back to clock ticks).
uint64_t cpu_time_ns(pid_t pid);

// CPU times per process of a tree, to measure what it used over a window: a forking server's
// children come and go, so a plain sum over the tree can shrink while CPU is being used.
struct CpuSample {
  std::vector<std::pair<pid_t, CpuTimes>> per_process;
};
CpuSample sample_cpu(pid_t root);

// What the processes of `root`'s tree that are alive now used since `before` (a process that
// started meanwhile counts from zero; one that ended is not counted).
struct CpuUse {
  double cpu_ms = 0;
  double runnable_ms = 0;
  bool runnable_known = false;
};
CpuUse cpu_use_since(const CpuSample& before, pid_t root);
// Milliseconds of CPU used since `before` (cpu_use_since(...).cpu_ms).
double cpu_ms_since(const CpuSample& before, pid_t root);

// For each task of each process: the syscall it is blocked in (-1 while running).
std::vector<long> blocked_syscalls(const std::vector<pid_t>& pids);

struct TaskCall {
  pid_t pid = 0;
  BlockedCall call;
  bool readable = false;  // the syscall file could be read (not for a zombie, say)
  // From the task's stat: 'R' runnable (on a CPU, or preempted and waiting for one: then its
  // syscall file names the call it was preempted in, though it is not blocked there), 'S' or
  // 'D' asleep; '?' unreadable.
  char state = '?';
  bool asleep() const { return state == 'S' || state == 'D'; }
};
// For each task of each process: the call it is blocked in and its first argument.
std::vector<TaskCall> blocked_calls(const std::vector<pid_t>& pids);

// The inode of the socket open as descriptor `fd` in `pid`, or nullopt when it is not a socket.
std::optional<uint64_t> socket_inode_of(pid_t pid, int fd);

// A descriptor that refers to a given socket: which process, which fd, and its file status
// flags from /proc/<pid>/fdinfo/<fd> (O_NONBLOCK is 04000), -1 when unreadable.
struct SocketHolder {
  pid_t pid = 0;
  int fd = -1;
  int flags = -1;
  bool nonblocking() const { return flags >= 0 && (flags & 04000) != 0; }
};
// Every descriptor of `pids` open on the socket with `inode`.
std::vector<SocketHolder> holders_of_socket(const std::vector<pid_t>& pids, uint64_t inode);

// Every process (by /proc scan) in the same network namespace as `pid`, `pid` included.
std::vector<pid_t> processes_in_namespace_of(pid_t pid);

}  // namespace sockgrade::net
