// The private network namespace of a cell: only a loopback interface, brought up.
#pragma once

#include "core/result.hpp"

namespace sockgrade::cell {

// unshare(CLONE_NEWNET) for the calling process, then "lo" up. Ports a student hard-codes
// cannot collide with another cell or the host, and nothing reaches the outside.
Result<void> enter_private_network();

}  // namespace sockgrade::cell
