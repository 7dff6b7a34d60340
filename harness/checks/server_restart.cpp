#include "checks/server_restart.hpp"

#include <unistd.h>

#include <algorithm>

#include "core/wait.hpp"
#include "grading/server_under_test.hpp"

namespace sockgrade::checks {

// After the old server was killed: its listening socket must be gone before the restart. A
// process it forked outside its process group may still hold it (then the port stays taken
// whatever SO_REUSEADDR says): that is proven by /proc, and reported as what it is.
Step<void> listening_socket_released(Context& ctx, const net::Listener& old) {
  auto listening = [&] {
    auto rows = net::tcp_table(::getpid());
    return std::any_of(rows.begin(), rows.end(), [&](const net::SocketRow& r) {
      return r.inode == old.inode && r.state == net::kTcpListen;
    });
  };
  if (wait_until(ctx.deadline(2000), [&] { return !listening(); })) return {};
  auto holders = net::holders_of_socket(net::processes_in_namespace_of(::getpid()), old.inode);
  if (holders.empty()) return harness_error("the killed server's listening socket did not close");
  const auto& h = holders.front();
  ctx.evidence()["proof"] = "/proc/" + std::to_string(h.pid) + "/fd/" + std::to_string(h.fd) + " is the listening socket (inode " +
                            std::to_string(old.inode) + ") after the server was killed";
  return failed("after the server was stopped (SIGKILL to its process group), process " + std::to_string(h.pid) +
                ", which it had forked, still held its listening socket on port " + std::to_string(old.local.port) +
                " (fd " + std::to_string(h.fd) + "), so no restarted server could bind that port");
}

// Why a restart on `port` failed, when /proc shows it: only TIME_WAIT sockets left on the port.
std::string time_wait_proof(uint16_t port) {
  int time_wait = 0, others = 0;
  for (const auto& row : net::tcp_table(::getpid())) {
    if (row.local.port != port) continue;
    (row.state == net::kTcpTimeWait ? time_wait : others) += 1;
  }
  if (time_wait == 0 || others > 0) return {};
  return "port " + std::to_string(port) + ": " + std::to_string(time_wait) +
         " socket(s) in TIME_WAIT and no other socket in /proc/net/tcp";
}

Step<ServerUnderTest*> start_again_on(Context& ctx, uint16_t port) {
  auto second_started = ctx.start_server();
  if (!second_started) {
    std::string proof = time_wait_proof(port);
    if (proof.empty()) return unexpected(in_context(std::move(second_started), "restarted right after its connections closed, ").error());
    ctx.evidence()["proof"] = proof;
    return unexpected(in_context(std::move(second_started), "restarted right after its connections closed, ",
                                 " — port " + std::to_string(port) + " was in TIME_WAIT: set SO_REUSEADDR before bind()")
                          .error());
  }
  auto* second = *second_started;
  if (second->listener().local.port != port) {
    return failed("the restarted server listens on " + second->listener().local.to_string() + " instead of port " +
                  std::to_string(port));
  }
  return second;
}

}  // namespace sockgrade::checks
