// Monotonic time, deadlines and stopwatches: every wait in the harness has a deadline.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>

namespace sockgrade {

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

class Deadline {
 public:
  static Deadline after(Millis d) { return Deadline(Clock::now() + d); }
  static Deadline never() { return Deadline(Clock::time_point::max()); }
  explicit Deadline(Clock::time_point at) : at_(at) {}

  bool expired() const { return Clock::now() >= at_; }
  Clock::time_point at() const { return at_; }
  // Milliseconds left, clamped to [0, INT_MAX], rounded up so poll() never spins at 0.
  int poll_timeout_ms() const;
  // The earlier of this deadline and now + d.
  Deadline capped(Millis d) const { return Deadline(std::min(at_, Clock::now() + d)); }

 private:
  Clock::time_point at_;
};

class Stopwatch {
 public:
  Stopwatch() : start_(Clock::now()) {}
  double elapsed_ms() const {
    return std::chrono::duration<double, std::milli>(Clock::now() - start_).count();
  }
  int64_t elapsed_whole_ms() const { return static_cast<int64_t>(elapsed_ms()); }
  Clock::time_point start() const { return start_; }

 private:
  Clock::time_point start_;
};

// "1.5 s" or "250 ms": durations as students read them.
std::string format_duration(Millis d);

// The current UTC time as an ISO 8601 string with seconds ("2026-11-25T10:00:00Z").
std::string utc_now_iso8601();

}  // namespace sockgrade
