// Restarting a server on its port (connect-accept.restart-reuseaddr and the scenario step
// "restart"): the old server's listening socket must be gone first, and a bind() that fails
// while only TIME_WAIT sockets hold the port is the missing SO_REUSEADDR, proven by /proc.
#pragma once

#include <cstdint>
#include <string>

#include "grading/context.hpp"
#include "net/observe.hpp"

namespace sockgrade::checks {

using namespace grading;

// After the old server was killed: its listening socket must be gone before the restart. A
// process it forked outside its process group may still hold it (then the port stays taken
// whatever SO_REUSEADDR says): that is proven by /proc, and reported as what it is.
Step<void> listening_socket_released(Context& ctx, const net::Listener& old);

// Why a restart on `port` failed, when /proc shows it: only TIME_WAIT sockets left on the port.
std::string time_wait_proof(uint16_t port);

// Starts the server again, on `port` where it listened before: a failure to listen while only
// TIME_WAIT sockets hold the port names SO_REUSEADDR, with the proof.
Step<ServerUnderTest*> start_again_on(Context& ctx, uint16_t port);

}  // namespace sockgrade::checks
