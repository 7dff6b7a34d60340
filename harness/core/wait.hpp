// Waiting for a state the kernel sends no notification of (a /proc entry, a TCP state, an
// acknowledgement): the predicate is checked at a short, growing interval until it holds or
// the deadline passes. The deadline, not the interval, bounds the wait; the result says
// which happened.
#pragma once

#include <time.h>

#include <algorithm>

#include "core/clock.hpp"

namespace sockgrade {

template <class Pred>
bool wait_until(Deadline deadline, Pred pred, int max_interval_us = 4000) {
  int interval_us = 100;
  for (;;) {
    if (pred()) return true;
    if (deadline.expired()) return pred();
    struct timespec ts{0, static_cast<long>(interval_us) * 1000};
    ::nanosleep(&ts, nullptr);
    interval_us = std::min(interval_us * 2, max_interval_us);
  }
}

}  // namespace sockgrade
