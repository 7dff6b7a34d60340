// The event trace of a check (BRIEF §6): connects, bytes, half-closes, resets, signals and
// exits as the peers and the harness saw them, with times relative to the check's start.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"

namespace sockgrade::net {

struct TraceEvent {
  double t_ms = 0;
  std::string actor;  // "client#1", "server", "harness"
  std::string event;  // connect, send, recv, half-close, reset, eof, close, exit, listen, note
  uint64_t bytes = 0;
  uint32_t calls = 0;  // for coalesced send/recv events
  std::string preview;
  std::string detail;
};

class Trace {
 public:
  Trace() = default;
  void add(std::string actor, std::string event, std::string detail = {});
  // Data moved: consecutive events of the same actor and kind are merged into one, so a
  // multi-MiB stream is one line ("recv 8.0 MiB in 130 reads"), not thousands.
  void data(const std::string& actor, const std::string& event, std::string_view bytes);
  // Another trace's events, as they were (a check that plays another check in a context of its
  // own keeps that check's steps).
  void append(const std::vector<TraceEvent>& events);
  // A copy: the proxy's thread may be adding events meanwhile.
  std::vector<TraceEvent> events() const;
  // At most `max_events`: the first ones and the last ones, with an elision marker between.
  nlohmann::json to_json(std::size_t max_events = 120) const;

 private:
  double now_ms() const { return clock_.elapsed_ms(); }
  Stopwatch clock_;
  mutable std::mutex mu_;
  std::vector<TraceEvent> events_;
};

}  // namespace sockgrade::net
