#include "cell/verdict.hpp"

#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

namespace sockgrade::cell {

Verdict Verdict::from_wait_status(int status) {
  Verdict v;
  if (WIFEXITED(status)) {
    v.kind = Kind::exited;
    v.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    v.kind = Kind::signaled;
    v.signal = WTERMSIG(status);
    v.core_dumped = WCOREDUMP(status);
  }
  return v;
}

Verdict Verdict::from_wait4(int status, const struct rusage& usage) {
  Verdict v = from_wait_status(status);
  auto ms = [](const timeval& t) { return static_cast<double>(t.tv_sec) * 1000.0 + static_cast<double>(t.tv_usec) / 1000.0; };
  v.cpu_ms = ms(usage.ru_utime) + ms(usage.ru_stime);
  return v;
}

std::string signal_name(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  if (abbrev) return std::string("SIG") + abbrev;
  return "signal " + std::to_string(sig);
}

std::string Verdict::describe() const {
  switch (kind) {
    case Kind::running: return "still running";
    case Kind::exited: return "exited with status " + std::to_string(exit_code);
    case Kind::signaled:
      return "killed by signal " + std::to_string(signal) + " (" + signal_name(signal) + ")" +
             (core_dumped ? ", core dumped" : "");
  }
  return "unknown";
}

std::string Verdict::sentence() const {
  if (kind == Kind::signaled) return "was " + describe();
  if (kind == Kind::running) return "is still running";
  return describe();
}

}  // namespace sockgrade::cell
