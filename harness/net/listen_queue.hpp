// The listen queue of a socket and the network namespace's TCP counters (BRIEF §9): what proves
// a backlog problem without guessing. The queue's limit is the backlog the program passed to
// listen() (capped by net.core.somaxconn), read with sock_diag like `ss -lt` (Send-Q).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace sockgrade::net {

struct ListenQueue {
  uint32_t queued = 0;   // connections waiting for accept() now
  uint32_t backlog = 0;  // the most it holds: listen()'s backlog, as the kernel keeps it
};
// The listening TCP socket with `inode` in the harness's network namespace, or nullopt.
std::optional<ListenQueue> listen_queue(uint64_t inode);

// Connection attempts the namespace's listeners refused because their accept queue was full:
// TcpExt ListenOverflows + ListenDrops (ListenDrops counts overflows too, and other drops).
struct ListenCounters {
  uint64_t overflows = 0;
  uint64_t drops = 0;
};
std::optional<ListenCounters> listen_counters();

}  // namespace sockgrade::net
