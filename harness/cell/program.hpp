// Program: one running student process (and its process group), observed and ended by the
// cell. Its exit is pollable (a pidfd) so that waits end on the event, not on a timer.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>

#include "cell/output_capture.hpp"
#include "cell/spawn.hpp"
#include "cell/verdict.hpp"
#include "core/clock.hpp"
#include "core/fd.hpp"
#include "core/result.hpp"

namespace sockgrade::cell {

class Program {
 public:
  static Result<std::unique_ptr<Program>> start(const LaunchSpec& spec);
  ~Program();
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;

  pid_t pid() const { return pid_; }
  // Readable (POLLIN) once the process has exited; for poll() loops that wait on other events.
  int exit_fd() const { return pidfd_.get(); }
  // Reaps the process if it has exited; the verdict stays available afterwards.
  Verdict poll();
  // Waits for the exit until the deadline; returns the verdict (running if still alive).
  Verdict wait(Deadline deadline);
  // SIGKILL to the whole process group, then reaps the main process.
  Verdict kill();
  // True when the process was still running until kill() ended it.
  bool killed_by_harness() const { return killed_by_harness_; }
  const OutputCapture& stdout_capture() const { return out_; }
  const OutputCapture& stderr_capture() const { return err_; }
  // After the program died: lets the drains reach EOF (bounded) so the tails are complete.
  void finish_output(int grace_ms);

 private:
  Program() = default;
  pid_t pid_ = -1;
  Fd pidfd_;
  Verdict verdict_;
  bool killed_by_harness_ = false;
  OutputCapture out_, err_;
  std::unique_ptr<OutputDrain> drain_;
};

}  // namespace sockgrade::cell
