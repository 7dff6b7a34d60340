// run_shell: a command line run by /bin/sh, with what it wrote on standard output.
#pragma once

#include <stdio.h>
#include <sys/wait.h>

#include <array>
#include <string>

namespace sockgrade::testing {

struct ShellRun {
  int exit_code = -1;  // -1: it did not exit (a signal), or could not be started
  std::string out;     // its standard output (and standard error, for a command that says 2>&1)
};

inline ShellRun run_shell(const std::string& command) {
  ShellRun r;
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace sockgrade::testing
