#include "net/procfs.hpp"

#include <arpa/inet.h>
#include <sys/syscall.h>

#include <charconv>
#include <cstring>
#include <sstream>

#include "core/strings.hpp"

namespace sockgrade::net {
namespace {

bool parse_hex(std::string_view s, uint64_t& out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), out, 16);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// "0100007F:D3AA" → 127.0.0.1:54186. The address words are in host byte order as the kernel
// printed them with %08X, i.e. the raw in_addr bytes read as native integers.
std::optional<Endpoint> parse_address(std::string_view s, int family) {
  auto colon = s.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto addr_hex = s.substr(0, colon);
  uint64_t port = 0;
  if (!parse_hex(s.substr(colon + 1), port) || port > 65535) return std::nullopt;
  Endpoint ep;
  ep.family = family;
  ep.port = static_cast<uint16_t>(port);
  char buf[INET6_ADDRSTRLEN] = {0};
  if (family == AF_INET) {
    uint64_t word = 0;
    if (addr_hex.size() != 8 || !parse_hex(addr_hex, word)) return std::nullopt;
    uint32_t raw = static_cast<uint32_t>(word);
    in_addr a;
    std::memcpy(&a, &raw, 4);
    ::inet_ntop(AF_INET, &a, buf, sizeof buf);
  } else {
    if (addr_hex.size() != 32) return std::nullopt;
    in6_addr a;
    for (int i = 0; i < 4; ++i) {
      uint64_t word = 0;
      if (!parse_hex(addr_hex.substr(8 * i, 8), word)) return std::nullopt;
      uint32_t raw = static_cast<uint32_t>(word);
      std::memcpy(reinterpret_cast<char*>(&a) + 4 * i, &raw, 4);
    }
    ::inet_ntop(AF_INET6, &a, buf, sizeof buf);
  }
  ep.address = buf;
  return ep;
}

std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

}  // namespace

std::string tcp_state_name(int state) {
  static const char* kNames[] = {"?",         "ESTABLISHED", "SYN_SENT",   "SYN_RECV",
                                 "FIN_WAIT1", "FIN_WAIT2",   "TIME_WAIT",  "CLOSE",
                                 "CLOSE_WAIT", "LAST_ACK",   "LISTEN",     "CLOSING"};
  if (state >= 1 && state <= 11) return kNames[state];
  return "state " + std::to_string(state);
}

std::vector<SocketRow> parse_proc_net_tcp(std::string_view text, int family) {
  std::vector<SocketRow> rows;
  std::size_t pos = 0;
  bool header = true;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    auto line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    if (header) {  // "  sl  local_address rem_address   st tx_queue rx_queue ..."
      header = false;
      continue;
    }
    auto f = fields(line);
    // sl local remote st tx:rx tr:when retrnsmt uid timeout inode ...
    if (f.size() < 10) continue;
    auto local = parse_address(f[1], family);
    auto remote = parse_address(f[2], family);
    uint64_t st = 0, tx = 0, rx = 0, inode = 0;
    auto q = f[4];
    auto qc = q.find(':');
    if (!local || !remote || !parse_hex(f[3], st) || qc == std::string_view::npos ||
        !parse_hex(q.substr(0, qc), tx) || !parse_hex(q.substr(qc + 1), rx)) {
      continue;
    }
    auto r = std::from_chars(f[9].data(), f[9].data() + f[9].size(), inode, 10);
    if (r.ec != std::errc()) continue;
    rows.push_back(SocketRow{*local, *remote, static_cast<int>(st), tx, rx, inode});
  }
  return rows;
}

std::optional<ProcStat> parse_proc_stat(std::string_view text) {
  // pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
  // utime stime cutime cstime priority nice num_threads ...
  auto open = text.find('(');
  auto close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return std::nullopt;
  }
  ProcStat s;
  auto pid_text = text.substr(0, open);
  while (!pid_text.empty() && pid_text.back() == ' ') pid_text.remove_suffix(1);
  if (std::from_chars(pid_text.data(), pid_text.data() + pid_text.size(), s.pid).ec != std::errc()) {
    return std::nullopt;
  }
  s.comm = std::string(text.substr(open + 1, close - open - 1));
  auto f = fields(text.substr(close + 1));
  if (f.size() < 18 || f[0].size() != 1) return std::nullopt;
  s.state = f[0][0];
  auto num = [](std::string_view v, auto& out) {
    return std::from_chars(v.data(), v.data() + v.size(), out).ec == std::errc();
  };
  if (!num(f[1], s.ppid) || !num(f[2], s.pgrp) || !num(f[11], s.utime_ticks) ||
      !num(f[12], s.stime_ticks) || !num(f[17], s.num_threads)) {
    return std::nullopt;
  }
  return s;
}

std::optional<uint64_t> parse_socket_link(std::string_view link) {
  constexpr std::string_view kPrefix = "socket:[";
  if (link.substr(0, kPrefix.size()) != kPrefix || link.back() != ']') return std::nullopt;
  auto digits = link.substr(kPrefix.size(), link.size() - kPrefix.size() - 1);
  uint64_t inode = 0;
  auto r = std::from_chars(digits.data(), digits.data() + digits.size(), inode);
  if (r.ec != std::errc() || r.ptr != digits.data() + digits.size()) return std::nullopt;
  return inode;
}

std::optional<Schedstat> parse_schedstat(std::string_view text) {
  Schedstat s;
  const char* end = text.data() + text.size();
  auto r = std::from_chars(text.data(), end, s.on_cpu_ns);
  if (r.ec != std::errc() || r.ptr == end || *r.ptr != ' ') return std::nullopt;
  r = std::from_chars(r.ptr + 1, end, s.waiting_ns);
  if (r.ec != std::errc()) return std::nullopt;
  return s;
}

long parse_syscall_number(std::string_view text) {
  long nr = -1;
  auto r = std::from_chars(text.data(), text.data() + text.size(), nr);
  if (r.ec != std::errc()) return -1;
  return nr;
}

BlockedCall parse_blocked_call(std::string_view text) {
  BlockedCall call;
  call.nr = parse_syscall_number(text);
  if (call.nr < 0) return call;
  auto space = text.find(' ');
  if (space == std::string_view::npos) return call;
  auto arg = text.substr(space + 1);
  if (arg.substr(0, 2) == "0x") arg.remove_prefix(2);
  std::from_chars(arg.data(), arg.data() + arg.size(), call.arg0, 16);
  return call;
}

CallKind call_kind(long nr) {
  switch (nr) {
    case -1: return CallKind::running;
    case SYS_accept: case SYS_accept4: return CallKind::accept;
    case SYS_read: case SYS_recvfrom: case SYS_recvmsg: return CallKind::read;
    case SYS_write: case SYS_writev: case SYS_sendto: case SYS_sendmsg: case SYS_sendmmsg: case SYS_sendfile:
    case SYS_pwrite64: case SYS_pwritev:
      return CallKind::write;
    case SYS_select: case SYS_pselect6: case SYS_poll: case SYS_ppoll: case SYS_epoll_wait: case SYS_epoll_pwait:
      return CallKind::poll;
    case SYS_clone: case SYS_clone3: case SYS_fork: case SYS_vfork: return CallKind::fork;
    case SYS_wait4: case SYS_waitid: return CallKind::wait;
    case SYS_futex: return CallKind::futex;
    default: return CallKind::other;
  }
}

const SocketRow* connection_row(const std::vector<SocketRow>& rows, uint16_t server_port, uint16_t client_port) {
  for (const auto& row : rows) {
    if (row.local.port == server_port && row.remote.port == client_port && row.state != kTcpListen) return &row;
  }
  return nullptr;
}

int parse_fdinfo_flags(std::string_view text) {
  auto at = text.find("flags:");
  if (at == std::string_view::npos) return -1;
  std::size_t i = at + 6;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  int flags = 0;
  auto r = std::from_chars(text.data() + i, text.data() + text.size(), flags, 8);
  return r.ec == std::errc() ? flags : -1;
}

int64_t parse_status_kib(std::string_view text, std::string_view field) {
  std::size_t at = 0;
  for (;;) {  // the field at the start of a line
    at = text.find(field, at);
    if (at == std::string_view::npos) return -1;
    if ((at == 0 || text[at - 1] == '\n') && text.substr(at + field.size(), 1) == ":") break;
    at += field.size();
  }
  at += field.size() + 1;
  auto end = text.find('\n', at);
  auto value = trim(text.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at));
  int64_t kib = -1;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), kib);
  return ec == std::errc() && ptr != value.data() ? kib : -1;
}

int count_thread_stacks(std::string_view maps, uint64_t page_size) {
  int stacks = 0;
  uint64_t prev_end = 0;
  bool prev_guard = false;
  for (const auto& line : split(std::string(maps), '\n')) {
    uint64_t start = 0, end = 0;
    auto dash = line.find('-'), space = line.find(' ');
    if (dash == std::string::npos || space == std::string::npos || space < dash) continue;
    std::from_chars(line.data(), line.data() + dash, start, 16);
    std::from_chars(line.data() + dash + 1, line.data() + space, end, 16);
    std::string_view perms = std::string_view(line).substr(space + 1, 4);
    if (prev_guard && start == prev_end && perms == "rw-p") ++stacks;
    prev_guard = perms == "---p" && end - start == page_size;
    prev_end = end;
  }
  return stacks;
}

}  // namespace sockgrade::net
