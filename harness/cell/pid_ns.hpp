// The PID and mount namespaces of a cell (BRIEF §4 layer 2): the cell runs as the init of a
// PID namespace of its own, so that when it ends the kernel kills every process left in it
// (double-forked daemons included) and no student process can see or signal anything outside.
#pragma once

#include "core/result.hpp"

namespace sockgrade::cell {

// Called in a freshly forked cell: unshares a PID and a mount namespace and forks the process
// that becomes their init; the calling process only waits for it and exits with its status.
// Returns (in the new init, pid 1) once /proc shows the new namespace's processes.
Result<void> enter_private_pids();

}  // namespace sockgrade::cell
