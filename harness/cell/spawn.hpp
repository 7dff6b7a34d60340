// Starting a student program (or a build command): the only file that includes Boost.Process,
// whose headers cost seconds of compile time per translation unit.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "cell/identity.hpp"
#include "cell/rlimits.hpp"
#include "core/fd.hpp"
#include "core/result.hpp"

namespace sockgrade::cell {

struct LaunchSpec {
  std::string executable;             // absolute path, or a name looked up in PATH
  std::vector<std::string> args;      // argv[1..]
  std::vector<std::string> env;       // "KEY=value", the whole environment
  std::string cwd;
  Limits limits;
  bool apply_limits = true;
  int stdin_fd = -1;                  // -1: /dev/null
  int stdout_fd = -1;                 // -1: a pipe the Program drains; else the caller reads it
  std::optional<Identity> identity;   // run as this unprivileged uid/gid (the harness is root)
  std::vector<int> cgroup_fds;        // cgroup.procs files to join (Cgroup::join_fds)
  bool seccomp = false;               // install the filter of seccomp.hpp
};

struct Spawned {
  pid_t pid = -1;
  Fd stdout_read;
  Fd stderr_read;
};

// Forks and execs with, between fork and exec and in this order: its own process group, death
// with the spawning process, default signal dispositions and an empty signal mask, its cgroups,
// rlimits, the unprivileged identity, no new privileges, every inherited descriptor above 2
// closed, the seccomp filter. A failed step reaches the caller as an Error naming the syscall
// and errno.
Result<Spawned> spawn(const LaunchSpec& spec);

// The environment a student program gets: a fixed PATH, LANG=C, HOME=cwd.
std::vector<std::string> minimal_environment(const std::string& home);

}  // namespace sockgrade::cell
