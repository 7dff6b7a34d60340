// Parsers for the /proc files the harness reads. Pure functions over text, so that every
// format detail is unit-tested with captured samples.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/endpoint.hpp"

namespace sockgrade::net {

// Linux TCP states as numbered in /proc/net/tcp (include/net/tcp_states.h).
enum TcpState : int {
  kTcpEstablished = 1,
  kTcpSynSent = 2,
  kTcpSynRecv = 3,
  kTcpFinWait1 = 4,
  kTcpFinWait2 = 5,
  kTcpTimeWait = 6,
  kTcpClose = 7,
  kTcpCloseWait = 8,
  kTcpLastAck = 9,
  kTcpListen = 10,
  kTcpClosing = 11,
};
std::string tcp_state_name(int state);

struct SocketRow {
  Endpoint local;
  Endpoint remote;
  int state = 0;
  uint64_t tx_queue = 0;  // for LISTEN: 0; otherwise bytes not yet acknowledged by the peer
  uint64_t rx_queue = 0;  // for LISTEN: the accept backlog; otherwise bytes not yet read
  uint64_t inode = 0;
};

// /proc/net/tcp (family AF_INET) or /proc/net/tcp6 (AF_INET6); malformed lines are skipped.
std::vector<SocketRow> parse_proc_net_tcp(std::string_view text, int family);

struct ProcStat {
  pid_t pid = 0;
  std::string comm;
  char state = '?';
  pid_t ppid = 0;
  pid_t pgrp = 0;
  uint64_t utime_ticks = 0;
  uint64_t stime_ticks = 0;
  int64_t num_threads = 0;
};
// /proc/<pid>/stat; comm may contain spaces and parentheses.
std::optional<ProcStat> parse_proc_stat(std::string_view text);

// The "flags:" line of /proc/<pid>/fdinfo/<fd> (octal), or -1.
int parse_fdinfo_flags(std::string_view text);

// The inode in a descriptor link "socket:[12345]".
std::optional<uint64_t> parse_socket_link(std::string_view link);

// A field of /proc/<pid>/status in KiB ("VmRSS:   1234 kB" → 1234), or -1 when absent.
int64_t parse_status_kib(std::string_view text, std::string_view field);

// Thread stacks mapped in a process (/proc/<pid>/maps), live or not: glibc maps each as a guard
// page (---p, one page) right below a read-write mapping. A thread that ended undetached and
// unjoined keeps its stack; ended detached ones are unmapped or kept in a small cache (40 MiB).
// Counting stacks, not the address space, keeps malloc's per-thread arenas (64 MiB reserved
// each) from looking like a leak.
int count_thread_stacks(std::string_view maps, uint64_t page_size);

// /proc/<pid>/task/<tid>/schedstat: nanoseconds on the CPU, then nanoseconds spent runnable but
// waiting for a CPU (on a run queue, or held back by a cgroup's CPU quota).
struct Schedstat {
  uint64_t on_cpu_ns = 0;
  uint64_t waiting_ns = 0;
};
std::optional<Schedstat> parse_schedstat(std::string_view text);

// /proc/<pid>/task/<tid>/syscall: the syscall number the task is blocked in, or -1 when
// it is running (the file says "running") or the text is unreadable.
long parse_syscall_number(std::string_view text);

// The same file whole: the number and the first argument ("0 0x4 0x7ffd… …" for read(4, …)),
// which for read() and accept() is the descriptor the task waits on. nr is -1 when running.
struct BlockedCall {
  long nr = -1;
  uint64_t arg0 = 0;
};
BlockedCall parse_blocked_call(std::string_view text);

// What a task blocked in syscall `nr` waits for, by family (read() and recv*() are both `read`).
enum class CallKind { running, accept, read, write, poll, fork, wait, futex, other };
CallKind call_kind(long nr);

// Among `rows`, the server's end of the connection from `client_port` to `server_port` (not the
// listening socket), or nullptr.
const SocketRow* connection_row(const std::vector<SocketRow>& rows, uint16_t server_port, uint16_t client_port);

}  // namespace sockgrade::net
