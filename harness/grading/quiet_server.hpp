// The witness that lets a wait for the server's bytes end early: the server has read everything
// sent to it and sleeps waiting for more, so nothing more will come (see net::QuietWitness).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>

#include "net/peer.hpp"

namespace sockgrade::grading {

// For a TCP connection to the server whose process tree starts at `root` and which listens on
// `port`. Yes only when, for 100 ms with no CPU used by any of its tasks: this connection has
// nothing in flight either way, and every task of the server is blocked in accept() or in a
// read() on a socket with nothing to read. Anything else (a task running, sleeping in select,
// a timer, a lock, a pipe) is no proof, and the wait runs out its window as before.
std::shared_ptr<net::QuietWitness> server_waiting_for_input(pid_t root, uint16_t port);

}  // namespace sockgrade::grading
