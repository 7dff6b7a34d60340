#include "checks/server_tree.hpp"

#include <unistd.h>

#include <map>

#include "grading/context.hpp"
#include "grading/server_under_test.hpp"

namespace sockgrade::checks {

using grading::Context;

std::string plural(int n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// "1 process, 3 threads" / "4 processes (3 children), 4 threads"
std::string describe_tree(const net::TreeSnapshot& s) {
  std::string out = plural(s.processes, "process", "processes");
  if (s.processes > 1) out += " (" + plural(s.processes - 1, "child", "children") + ")";
  out += ", " + plural(s.threads, "thread", "threads");
  if (s.zombies > 0) out += ", " + plural(s.zombies, "zombie", "zombies");
  return out;
}

// "accept", "read", … for the calls a server blocks in; others by number.
std::string syscall_label(long nr) {
  switch (net::call_kind(nr)) {
    case net::CallKind::running: return "running";
    case net::CallKind::accept: return "accept";
    case net::CallKind::read: return "read";
    case net::CallKind::write: return "write";
    case net::CallKind::poll: return "select/poll";
    case net::CallKind::fork: return "fork/clone";
    case net::CallKind::wait: return "wait";
    case net::CallKind::futex: return "futex (a lock or pthread_join)";
    case net::CallKind::other: break;
  }
  return "syscall " + std::to_string(nr);
}

// Where the server's processes wait and how many connections nobody has accepted yet, in the
// evidence of a client that got no answer.
void note_waiting(Context& ctx) {
  if (ctx.servers().empty()) return;
  auto* srv = &ctx.server();
  std::map<std::string, int> waiting;
  for (long nr : net::blocked_syscalls(net::process_tree(srv->pid()))) {
    ++waiting[syscall_label(nr)];
  }
  ctx.evidence()["server_tasks_waiting_in"] = waiting;
  for (const auto& row : net::tcp_table(::getpid())) {
    if (row.state == net::kTcpListen && row.local.port == srv->listener().local.port) {
      ctx.evidence()["accept_queue"] = row.rx_queue;
    }
  }
}

}  // namespace sockgrade::checks
