// A user namespace for a harness that is not root (BRIEF §4): inside it the harness is root
// of nothing but its own namespaces, which is enough for the network, PID and mount layers.
#pragma once

#include "core/result.hpp"

namespace sockgrade::cell {

// unshare(CLONE_NEWUSER) and map the caller's uid and gid to 0 inside.
Result<void> enter_user_namespace();

}  // namespace sockgrade::cell
