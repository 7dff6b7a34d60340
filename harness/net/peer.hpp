// Scripted peers (BRIEF §4, §6): a TCP client the checks drive step by step. Every step has
// a deadline and leaves events in the trace; nothing here decides pass or fail.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/fd.hpp"
#include "core/result.hpp"
#include "net/endpoint.hpp"
#include "net/trace.hpp"

namespace sockgrade::net {

// How a read or write sequence ended.
enum class End { complete, eof, reset, timeout, error };
std::string end_name(End end);

struct Received {
  std::string bytes;
  End end = End::complete;
  int err = 0;  // errno for End::error and End::reset
  // For a timeout that came early: why nothing more will arrive (the QuietWitness's words).
  std::string stopped;
  // A further wait on the same connection: its bytes appended, its ending now the ending.
  void continue_with(const Received& more);
  // "the connection was closed (EOF)", "nothing arrived for 2.0 s", ...
  std::string describe() const;
};

struct Sent {
  uint64_t bytes = 0;
  End end = End::complete;
  int err = 0;
  std::string describe() const;
};

class Peer;

// Whether the other side of a connection has provably stopped sending: it has read every byte
// this peer sent and sleeps waiting for more. A wait for bytes asks it once nothing has moved
// for a while, and ends early when the answer is yes instead of running out its whole window
// (2-3 s that a loaded machine needs, but a program that will never answer does not deserve).
class QuietWitness {
 public:
  virtual ~QuietWitness() = default;
  // Bytes moved: whatever was seen before no longer counts.
  virtual void restart() = 0;
  // Looks now at `peer`'s connection; the explanation once the other side has been seen
  // waiting, unchanged and using no CPU, for long enough.
  virtual std::optional<std::string> observe(const Peer& peer) = 0;
};

class Peer {
 public:
  struct Options {
    int rcvbuf = 0;  // SO_RCVBUF before connect; small values make the program's writes block
  };

  static Result<Peer> connect(const Endpoint& to, std::string name, Trace& trace, Deadline deadline);
  static Result<Peer> connect(const Endpoint& to, std::string name, Trace& trace, Deadline deadline,
                              Options options);
  Peer(Peer&&) noexcept = default;
  Peer& operator=(Peer&&) noexcept = default;
  ~Peer();

  const std::string& name() const { return name_; }
  Endpoint local() const { return local_; }
  int fd() const { return fd_.get(); }
  bool open() const { return fd_.valid(); }

  // Sends all of `data` (in send() calls of at most `chunk` bytes when chunk > 0), waiting
  // while the socket buffer is full; reads nothing meanwhile.
  Sent send(std::string_view data, Deadline deadline, std::size_t chunk = 0);
  // Sends whatever fits now without waiting (end is timeout when nothing fitted).
  Sent send_nonblocking(std::string_view data);
  // Reads until `n` bytes arrived, EOF, a reset, or the deadline.
  Received receive(std::size_t n, Deadline deadline);
  // Reads until EOF, a reset, the deadline, or `max` bytes.
  Received receive_until_eof(Deadline deadline, std::size_t max = 64u << 20);
  // Sends `data` while reading concurrently (neither side blocks on a full buffer) until
  // `expect` bytes came back, EOF, a reset, or no byte moved in either direction for `stall`.
  Received exchange(std::string_view data, std::size_t expect, Millis stall, Deadline deadline);
  // Waits until the peer closes (EOF) or resets, discarding nothing: bytes that arrive first
  // are returned.
  Received wait_closed(Deadline deadline) { return receive_until_eof(deadline); }

  // shutdown(SHUT_WR): a FIN, the read side stays open.
  bool half_close();
  // close() with SO_LINGER {1, 0}: an RST instead of a FIN.
  void reset();
  // An orderly close().
  void close();

  // Lets waits for bytes end as soon as `witness` shows that none will come.
  void watch_other_side(std::shared_ptr<QuietWitness> witness) { quiet_ = std::move(witness); }

  // Bytes sent but not yet acknowledged by the other side (SIOCOUTQ).
  int unacked() const;
  // Bytes received but not yet read (FIONREAD).
  int unread() const;
  // The TCP state of this socket (TCP_INFO), -1 when closed.
  int tcp_state() const;

 private:
  Peer(Fd fd, std::string name, Trace& trace, Endpoint local);
  // One read into `out`; returns false and sets `end` when the stream ended.
  bool read_some(Received& out, std::size_t max);
  // When a wait's poll must return: at `deadline`, or sooner while there is a witness to ask
  // (`asking`: everything has been sent).
  Deadline poll_until(Deadline deadline, bool asking) const;
  // Bytes moved: the progress clock and the witness start over.
  void moved(Clock::time_point& last_progress);
  // True when a wait with everything sent is over because the other side provably stopped
  // (then r ends as a timeout, and the trace says why).
  bool other_side_stopped(Received& r, Clock::time_point last_progress);
  // What both receives do: read into `r` until it holds `limit` bytes or the stream ends. True
  // when the deadline passed first: r ends as a timeout, not yet traced (the caller says what
  // it waited for).
  bool read_up_to(Received& r, std::size_t limit, Deadline deadline);
  Fd fd_;
  std::string name_;
  Trace* trace_;
  Endpoint local_;
  std::shared_ptr<QuietWitness> quiet_;
};

}  // namespace sockgrade::net
