// The student's program started as a server in the cell: spawned with the lab's argv, ready
// when /proc shows a listening socket (never a probe connection), observed while it runs.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "grading/check.hpp"
#include "grading/context.hpp"
#include "grading/program_under_test.hpp"
#include "faults/shim.hpp"
#include "net/endpoint.hpp"
#include "net/observe.hpp"

namespace sockgrade::grading {

class Context;

class ServerUnderTest : public ProgramUnderTest {
 public:
  // Spawns the program with the lab's argv for `port`.
  static Step<std::unique_ptr<ServerUnderTest>> spawn(Context& ctx, uint16_t port, std::string label,
                                                      const ServerOptions& options);
  // Waits until a listening socket appears; a program that exits first or never listens ends
  // the check with the reason.
  Step<void> wait_listening(Context& ctx);

  // After wait_listening: until the process started is seen waiting in a system call (accept,
  // poll, read…): a server that exits instead — daemonizing after listen(), say — is told so
  // before any check relies on it, the same way on every run. A program that never blocks
  // (a spinner) is let through after a short while, as before.
  Step<void> wait_settled(Context& ctx);

  uint16_t requested_port() const { return requested_port_; }
  const net::Listener& listener() const { return listener_; }
  // Where clients connect (the wildcard address mapped to loopback).
  const net::Endpoint& endpoint() const { return endpoint_; }
  double ready_after_ms() const { return ready_ms_; }

  // Passes while the server runs; otherwise fails with how it ended and what we were doing.
  Step<void> expect_alive(const std::string& while_doing);
  // "listened on port 5000 and then " once a listening socket was seen, else "".
  std::string listened_then() const;
  // After an early exit: what its stderr shows, a refusal (EACCES, EPERM, EROFS) named as the
  // sandbox's with the line as evidence "proof", else its last line ("; its stderr ends with …").
  std::string stderr_clause(Context& ctx);
  net::TreeSnapshot snapshot() const { return net::snapshot_tree(program_->pid()); }
  // Every listening socket the server's processes hold right now.
  std::vector<net::Listener> listeners() const;

 private:
  // wait_listening's ends: the program exited first, never listened in time, or listened.
  Step<void> exited_before_listening(Context& ctx, const cell::Verdict& v);
  Step<void> did_not_listen(Context& ctx);
  Step<void> listening_seen(Context& ctx);
  // The program exited after it listened: whether a process it forked kept the socket.
  Step<void> exited_after_listening(Context& ctx);
  static bool server_busy_forking(pid_t pid);
  uint16_t requested_port_ = 0;
  net::Listener listener_;
  net::Endpoint endpoint_;
  double ready_ms_ = 0;
  bool listened_ = false;  // a listening socket was seen
  Clock::time_point started_;
};

}  // namespace sockgrade::grading
