// Local ports the harness's own outgoing connections must not take. Without a private network
// namespace the harness and the program share the host's ports, and the lecture's fixed port
// 54154 lies inside Linux's ephemeral range (32768-60999): a client socket of one check that
// drew it as its local port (or its TIME_WAIT, for a minute) made the next server's bind() fail.
#pragma once

#include <cstdint>
#include <vector>

#include "core/fd.hpp"
#include "core/result.hpp"

namespace sockgrade::net {

// For the rest of this process: outgoing connections leave `ports` alone.
void keep_ports_free(std::vector<uint16_t> ports);

// A non-blocking stream socket of `family` ready to connect(). When ports are kept free and the
// family is AF_INET or AF_INET6, it is first bound to a kernel-chosen port that is not one of
// them (else connect() would choose the port itself, possibly a kept one).
Result<Fd> client_socket(int family);

}  // namespace sockgrade::net
