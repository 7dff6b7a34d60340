// One client check's world: the student's client and the harness's own server, driven by a
// single poll() loop that feeds the client's stdin, reads its stdout, and plays the server the
// check describes (echo, a fixed reply, silence) with exact control of bytes and timing.
//
// The server listens on the port passed to the client AND on the lab's fixed default port
// (the lecture's clients hard-code 127.0.0.1:54154 or :13): inside the cell's private network
// namespace both are free, so a client that ignores argv still reaches a server and is graded;
// the port it used is recorded.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "checks/client_under_test.hpp"
#include "checks/context.hpp"
#include "core/clock.hpp"
#include "core/fd.hpp"

namespace sockgrade::checks {

// What the harness's server does with the one connection it accepts.
struct ServerPlay {
  enum class Mode { echo, reply, silent };
  Mode mode = Mode::echo;
  std::string reply;               // reply: sent right after accept, then the server closes
  std::size_t segment = 0;         // > 0: sends of at most this many bytes, `gap_ms` apart (TCP_NODELAY)
  int gap_ms = 0;
  int latency_ms = 0;              // echo: each piece goes back this long after it arrived
  bool hold_until_fin = false;     // echo: nothing goes back before the client's FIN
  std::size_t max_pending = 256 * 1024;  // echo: stops reading while this much waits to go back
  bool close_after_fin = true;     // echo: once the client's FIN came and all is echoed, close
  uint64_t end_after = 0;          // echo: > 0: after this many bytes, echo them, then half-close
                                   // and discard what still comes (no RST: the client sees EOF)
  int rcvbuf = 0;                  // SO_RCVBUF of the accepted connection (0: the kernel's)
};

class ClientSession {
 public:
  ClientSession(Context& ctx, ServerPlay play);
  ~ClientSession();

  // Listens on the requested and the default port; `listen = false`: nothing listens (refused).
  Step<void> listen(bool listen = true);
  Step<ClientUnderTest*> start(const ClientOptions& options = {});
  ClientUnderTest& client() { return *client_; }
  uint16_t requested_port() const { return requested_port_; }

  enum class Stop { done, exited, stalled, deadline };
  // Moves bytes until `done()` holds, the client exited (and its stdout reached EOF), nothing
  // moved for `stall`, or the deadline. Timers (latency, gaps) count as progress.
  Stop run(const std::function<bool()>& done, Deadline deadline, Millis stall = Millis(1) * 3600000);
  // Runs until the client exited (stdout at EOF), or the deadline.
  Stop run_until_exit(Deadline deadline) {
    return run([] { return false; }, deadline);
  }

  // The connection, as the harness's server sees it.
  bool accepted() const { return accepted_; }
  uint16_t port_used() const { return port_used_; }
  uint64_t received() const { return received_; }
  uint64_t sent() const { return sent_; }
  bool client_fin() const { return client_fin_; }
  bool client_reset() const { return client_reset_; }
  bool server_ended() const { return server_ended_; }
  int conn_fd() const { return conn_.get(); }
  // Bytes the client sent that the server's socket holds unread.
  int unread() const;
  // Bytes the client's socket holds unacknowledged (/proc/net/tcp): on loopback they stay
  // only while the server's receive window is closed.
  uint64_t client_unacked() const;
  // The server's side: stop reading (the client's writes then block), half-close, reset.
  void stop_reading() { reading_ = false; }
  void half_close();
  void reset();
  int tcp_state() const;

  // Adds the state of the session to the evidence (ports, bytes each way, the client's fate).
  void record_evidence();
  // "fed 1.0 MiB to stdin, the server got 64.0 KiB, echoed 64.0 KiB, the client printed 3 B"
  std::string progress() const;

 private:
  void accept_one(int listener_fd, uint16_t port);
  void on_readable();
  void on_writable();
  void settle();
  void end_connection(bool reset, const std::string& why);
  Clock::time_point next_timer() const;

  Context& ctx_;
  ServerPlay play_;
  uint16_t requested_port_ = 0;
  std::vector<std::pair<Fd, uint16_t>> listeners_;
  ClientUnderTest* client_ = nullptr;  // owned by the context (the runner reports on it)
  Fd conn_;
  bool accepted_ = false;
  uint16_t port_used_ = 0;
  bool reading_ = true;
  bool client_fin_ = false;
  bool client_reset_ = false;
  bool server_ended_ = false;
  uint64_t received_ = 0;
  uint64_t sent_ = 0;
  struct Piece {
    Clock::time_point due;
    std::string bytes;
  };
  std::deque<Piece> out_;
  std::size_t out_bytes_ = 0;
  Clock::time_point next_send_ = Clock::time_point::min();
  bool ending_ = false;      // end_after reached: half-close once the echo is out
  bool discarding_ = false;  // after that: read and drop
};

// The client's stdout must be exactly `expected`; otherwise the failure says what was fed, what
// the server sent and what was printed, after `scene` ("3 lines fed at once: ").
Step<void> expect_printed(Context& ctx, ClientSession& s, std::string_view expected, ClientSession::Stop stop,
                          const std::string& scene);
// The client must have ended on its own, by exit() with a non-zero status, after saying on
// stderr what went wrong (not killed by a signal, not still running, not status 0).
Step<void> expect_error_exit(Context& ctx, ClientSession& s, const std::string& scene);

}  // namespace sockgrade::checks
