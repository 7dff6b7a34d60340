// Whether a server busy-waits: what it used of the CPU during a window in which nothing happens
// (resources.idle-cpu and the scenario observation "idle-cpu").
#pragma once

#include <string>

#include "grading/check.hpp"

namespace sockgrade::grading {
class Context;
class ServerUnderTest;
}  // namespace sockgrade::grading

namespace sockgrade::checks {

struct IdleUse {
  double cpu_share = 0;       // of one CPU
  double runnable_share = 0;  // of the time: on a CPU or waiting for one
  std::string busy;           // busy_sentence()
  // More than 10% of a CPU, or ready to run more than half the time: a busy loop is runnable
  // all the time however little CPU a loaded machine gives it; a server blocked in accept() or
  // read() is not runnable at all.
  bool busy_waiting() const { return cpu_share > 0.10 || runnable_share > 0.5; }
};

// What the server used during a window of `window_ms` (stretched) in which nothing happens; the
// window ends early if the server exits (then a failure: it is gone, `when`).
grading::Step<IdleUse> idle_use(grading::Context& ctx, grading::ServerUnderTest& srv, int window_ms,
                                const std::string& when);

}  // namespace sockgrade::checks
