// Which isolation layers this machine grants (BRIEF §4), detected at run time, once.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sockgrade::cell {

struct Isolation {
  bool netns = false;       // a private network namespace per cell (loopback only)
  bool pidns = false;
  bool userns = false;
  bool cgroup = false;
  bool seccomp = false;
  bool uid_drop = false;
  bool process_group = true;  // always: the student runs in its own process group
  bool rlimits = true;        // always
  std::vector<std::string> missing;  // one line per missing layer: why, and what to do
};

// Probes each layer in a throwaway child process, so the harness itself stays untouched.
Isolation detect_isolation();
// Same, but pretends nothing is available (--isolation none, and tests of the fallback).
Isolation no_isolation();

nlohmann::json isolation_to_json(const Isolation& iso);

}  // namespace sockgrade::cell
