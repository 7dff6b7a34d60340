// A fault (BRIEF §5): one small transformation of one direction of a proxied TCP connection.
// The proxy feeds each fault the pieces that leave the previous one, in order; a fault emits
// pieces with the time they may be written out, and may hold some back until a time of its
// choosing (after toxiproxy's toxics: one interface, one file each, data never lost, reordered
// or duplicated unless that is the fault's purpose).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/rng.hpp"

namespace sockgrade::faults {

enum class Direction { to_program, from_program };
std::string direction_name(Direction d);  // "to-program", "from-program"

struct Piece {
  enum class Kind {
    data,        // bytes to write
    half_close,  // shutdown(SHUT_WR) towards the destination; later data is dropped
    reset,       // RST on both sides of the connection
    close,       // orderly close of both sides
  };
  Kind kind = Kind::data;
  std::string bytes;
  Clock::time_point at;  // not written out before this time
};

// How the proxy reads the source of a direction and sets up its sockets; faults may tighten it.
struct LinkSettings {
  int receive_buffer = 0;     // SO_RCVBUF of the source socket (0: the kernel's default)
  std::size_t max_read = 0;   // at most this many bytes per read (0: no limit)
  Millis read_interval{0};    // at least this long between reads
};

class Emitter {
 public:
  virtual ~Emitter() = default;
  virtual void emit(Piece piece) = 0;
};

using Params = std::map<std::string, int64_t>;

class Fault {
 public:
  virtual ~Fault() = default;
  // A piece arrives from upstream (its `at` is when it became available).
  virtual void push(Piece piece, Emitter& out) = 0;
  // When the fault wants to be woken to release held pieces; nullopt when it holds none.
  virtual std::optional<Clock::time_point> wake_at() const { return std::nullopt; }
  virtual void wake(Clock::time_point now, Emitter& out) {
    (void)now;
    (void)out;
  }
  // Adjusts how the proxy reads this direction's source (slow-reader).
  virtual void configure(LinkSettings& link) const { (void)link; }
  // Bytes the fault holds back (the proxy stops reading its source when too much is queued).
  virtual std::size_t held_bytes() const { return 0; }
  // The connection is established (time-based faults count from here).
  virtual void begin(Clock::time_point connected) { (void)connected; }
};

// Keeps emitted pieces in order: nothing leaves before what left earlier.
class InOrder {
 public:
  void emit(Piece piece, Emitter& out) {
    if (piece.at < last_) piece.at = last_;
    last_ = piece.at;
    out.emit(std::move(piece));
  }
  Clock::time_point last() const { return last_; }

 private:
  Clock::time_point last_{};
};

// Cuts `bytes` where the stream's multiples of `n` lie (`offset`: the stream's bytes before
// them, advanced here), so that one stream gives the same segments on every run. `segment`
// gets each one's bytes, before `offset` counts them.
template <typename Segment>
void for_each_segment(const std::string& bytes, uint64_t& offset, std::size_t n, Segment&& segment) {
  std::size_t off = 0;
  while (off < bytes.size()) {
    std::size_t take = std::min(bytes.size() - off, n - offset % n);
    segment(bytes.substr(off, take));
    off += take;
    offset += take;
  }
}

// What a factory gets: the validated parameters and the fault's own seeded randomness.
struct FaultFactoryArgs {
  const Params& params;
  Rng rng;  // this fault's own randomness, derived from the seed
};
using FaultFactory = std::function<std::unique_ptr<Fault>(FaultFactoryArgs)>;

}  // namespace sockgrade::faults
