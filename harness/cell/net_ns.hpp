// The private network namespace of a cell: only a loopback interface, brought up.
#pragma once

#include "core/result.hpp"

namespace sockgrade::cell {

// unshare(CLONE_NEWNET) for the calling process, then "lo" up. Ports a student hard-codes
// cannot collide with another cell or the host, and nothing reaches the outside.
Result<void> enter_private_network();

// Caps TCP send-buffer autotuning in the calling process's (private) network namespace, so
// that a program blocked in write() gets there after kilobytes instead of megabytes. Only for
// a cell's own namespace: the sysctl is per namespace.
Result<void> cap_tcp_send_buffers(int max_bytes);

// The most a TCP send buffer may autotune to in the calling process's network namespace
// (net.ipv4.tcp_wmem, third value); where the sysctl cannot be read (some containers), the
// kernel's default, 4 MiB. `read_from_sysctl` says which.
struct SendBufferMax {
  long bytes = 4l << 20;
  bool read_from_sysctl = false;
};
SendBufferMax tcp_send_buffer_max();

}  // namespace sockgrade::cell
