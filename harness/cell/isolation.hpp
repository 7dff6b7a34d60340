// Which isolation layers this machine grants (BRIEF §4), detected at run time: each layer is
// probed in a throwaway child, used when available, and recorded in the report; for a missing
// one the harness says why and what to do (`sockgrade doctor`).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cell/cgroup.hpp"
#include "core/result.hpp"

namespace sockgrade::cell {

struct Missing {
  std::string layer;  // "netns", "pidns", ...
  std::string why;    // the failed call and errno, or the missing precondition
  std::string fix;    // what to do about it
};

struct Isolation {
  std::string mode = "auto";  // auto | strict | none
  bool userns = false;   // a user namespace gives the other layers without root
  bool netns = false;    // a private network namespace per cell (loopback only)
  bool pidns = false;    // a PID (and mount) namespace per cell: nothing survives the cell
  bool fs_view = false;  // read-only tree, private /tmp, the harness's files hidden
  bool uid_drop = false; // the program runs as an unprivileged uid of its own
  bool cgroup = false;   // memory and process limits in a cgroup
  bool seccomp = false;  // ptrace, mounts, namespaces and the like refused
  bool process_group = true;  // always
  bool rlimits = true;        // always
  CgroupSupport cgroups;
  std::vector<Missing> missing;
};

// Probes every layer (a few milliseconds).
Isolation detect_isolation();
// `mode` none: nothing but process groups and rlimits; strict: an error naming every missing
// layer; auto: what is available.
Result<Isolation> isolation_for_mode(const std::string& mode);

nlohmann::json isolation_to_json(const Isolation& iso);
// One line: "network, pid and mount namespaces, read-only view, uid 1048577, cgroup v1, seccomp".
std::string describe_isolation(const Isolation& iso);

}  // namespace sockgrade::cell
