// One client check's world: the student's client and the harness's own server, driven by a
// single poll() loop that feeds the client's stdin, reads its stdout, and plays the server the
// check describes (echo, a fixed reply, silence) with exact control of bytes and timing.
//
// The server listens on the port passed to the client AND on the lab's fixed default port
// (the lecture's clients hard-code 127.0.0.1:54154 or :13). Inside the cell's private network
// namespace it also watches the client's SYNs: a client that tried a port where nothing listened
// (one it hard-codes: 9877, 5555, …) is started once more with a server on that port too. So a
// client is graded on the address it really connects to, and the port it used is recorded.
// Without a private namespace the harness may listen only on ports it owns (the asked one, the
// default when free): a client that connects elsewhere then never reaches it, as the evidence says.
#pragma once

#include <poll.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "grading/client_under_test.hpp"
#include "grading/context.hpp"
#include "core/clock.hpp"
#include "core/fd.hpp"
#include "net/procfs.hpp"
#include "net/syn_watch.hpp"
#include "net/tcp_counters.hpp"

namespace sockgrade::grading {

// What the harness's server does with the one connection it accepts.
struct ServerPlay {
  // mirror: sends `reply` (the client's input, which the harness knows) as if echoing it, but
  // never reads: the client keeps getting answers while what it writes piles up unread.
  enum class Mode { echo, reply, silent, mirror };
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
  // Starts the client; in a private namespace, waits until it connected or settled, and starts
  // it once more when its first attempt went to a port where nothing listened (then listening
  // there too). The client returned is the one the check works with.
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
  // Bytes the server sent that the client's kernel has not acknowledged yet (SIOCOUTQ).
  uint64_t server_unacked() const;
  // Bytes the server's kernel holds not yet sent (SIOCOUTQNSD): behind a closed window.
  uint64_t server_unsent() const;
  // Bytes the server sent that the client's socket holds unread (its rx queue in /proc/net/tcp).
  uint64_t client_unread() const;
  // The server's side: stop reading (the client's writes then block), half-close, reset.
  void stop_reading() { reading_ = false; }
  void half_close();
  void reset();
  // Drops what the server still meant to send (a mirror's rest, before it half-closes).
  void stop_sending();
  int tcp_state() const;

  // Connect attempts since start() in the cell's private namespace (Tcp ActiveOpens and
  // AttemptFails of /proc/net/snmp); nullopt without one (the counters would be the host's).
  struct ConnectAttempts {
    int64_t opened = 0;  // SYNs sent by connect()
    int64_t failed = 0;  // of those, refused or timed out
    std::string proof;   // "netns Tcp ActiveOpens +1, AttemptFails +1"
  };
  std::optional<ConnectAttempts> connect_attempts() const;
  // Without a private namespace the counters are the host's; a connect attempt is proven there
  // by holding the client's SYN instead: listen(false) then puts on the asked port a listener
  // whose socket filter drops every segment, so the client's socket waits in SYN_SENT, visible
  // in /proc. This waits for that state (returns the observation, or "" when the client never
  // got there), then closes the trap: the client's next SYN, a second later, is refused.
  std::string release_held_connect(Deadline deadline);
  // The port a first run of the client tried where nothing listened (0: none).
  uint16_t discovered_port() const { return discovered_port_; }

  // Adds the state of the session to the evidence (ports, bytes each way, the client's fate).
  void record_evidence();
  // "fed 1.0 MiB to stdin, the server got 64.0 KiB, echoed 64.0 KiB, the client printed 3 B"
  std::string progress() const;

 private:
  Result<void> add_listener(uint16_t port);
  std::size_t mirror_allowance() const;
  bool listens_on(uint16_t port) const;
  Step<ClientUnderTest*> spawn_client(const std::string& label, const ClientOptions& options);
  // A port the client's SYNs went to where nothing listens (0: none).
  uint16_t unanswered_syn_port();
  Step<void> await_first_contact();
  void accept_one(int listener_fd, uint16_t port);
  void on_readable();
  void on_writable();
  void settle();
  void end_connection(bool reset, const std::string& why);
  // A recv or send on the connection failed (errno says why): the client reset it.
  void connection_failed(const char* what);
  Clock::time_point next_timer() const;
  // What run() waits for in one poll(): each descriptor and what it is.
  enum class Source { listener, connection, client_stdin, client_stdout, client_exit };
  struct PollSet {
    std::vector<pollfd> fds;
    std::vector<Source> sources;
    void add(int fd, short events, Source source) {
      fds.push_back({fd, events, 0});
      sources.push_back(source);
    }
  };
  PollSet poll_set(Clock::time_point now, bool client_exited);
  // Handles what poll() reported; true when anything moved (bytes, a connection, an exit).
  bool dispatch(const PollSet& set);
  // The client's end of the connection, as the kernel shows it.
  std::optional<net::SocketRow> client_row() const;

  Context& ctx_;
  ServerPlay play_;
  uint16_t requested_port_ = 0;
  std::vector<std::pair<Fd, uint16_t>> listeners_;
  ClientUnderTest* client_ = nullptr;  // owned by the context (the runner reports on it)
  std::optional<net::TcpCounters> counters_before_;
  std::optional<net::SynWatch> syn_watch_;
  uint16_t discovered_port_ = 0;
  // The SYN-dropping listeners of release_held_connect(): on the asked port and, when the host
  // lets the harness bind it, the contract's default (a client that ignores argv uses it).
  struct HeldPort {
    uint16_t port = 0;
    Fd listener;
    Fd filler;  // the harness's connection that keeps the accept queue full, if used
  };
  std::vector<HeldPort> held_;
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
// The failure for a client that never reached the server: "never tried to connect" with the
// namespace's counters as proof when they show no attempt, else "never connected"; with its fate
// and the first line it printed on stderr (a usage message, say).
Unexpected<Outcome> never_connected(Context& ctx, ClientSession& s, const std::string& scene);
// With stdin still open the client printed only part of `expected`: stdin is closed and the
// client left to exit. When the missing bytes then come out at once at its exit, they sat in a
// stdio buffer (stdout is a pipe here, so block-buffered): the observation, for "proof".
std::optional<std::string> bytes_held_until_exit(Context& ctx, ClientSession& s, std::string_view expected);
// The client must have ended on its own, by exit() with a non-zero status, after saying on
// stderr what went wrong (not killed by a signal, not still running, not status 0).
// `sigpipe_cause` says what the write that raised SIGPIPE went to, for the failure.
Step<void> expect_error_exit(Context& ctx, ClientSession& s, const std::string& scene,
                             const std::string& sigpipe_cause = "it wrote to a connection the server had closed");

}  // namespace sockgrade::grading
