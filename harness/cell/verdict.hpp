// Verdict: how a student process ended (or that it is still running), in words a student reads.
#pragma once

#include <string>

struct rusage;

namespace sockgrade::cell {

struct Verdict {
  enum class Kind { running, exited, signaled };
  Kind kind = Kind::running;
  int exit_code = 0;
  int signal = 0;
  bool core_dumped = false;
  // CPU time the process itself used (user + system, from wait4's rusage); -1 when unknown.
  double cpu_ms = -1;

  static Verdict from_wait_status(int status);
  // The same, with the CPU time from wait4's rusage.
  static Verdict from_wait4(int status, const struct rusage& usage);
  bool running() const { return kind == Kind::running; }
  // "still running", "exited with status 1", "killed by signal 13 (SIGPIPE)".
  std::string describe() const;
  // After a subject: "exited with status 1", "was killed by signal 13 (SIGPIPE)".
  std::string sentence() const;
};

// "SIGPIPE" for 13; "signal 64" for unknown numbers.
std::string signal_name(int sig);

}  // namespace sockgrade::cell
