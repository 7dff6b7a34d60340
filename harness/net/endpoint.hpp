// A TCP/UDP endpoint as the harness talks about it: family, numeric address, port; or a
// UNIX-domain socket (family AF_UNIX, the path in `address`, port 0).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "core/result.hpp"

namespace sockgrade::net {

struct Endpoint {
  int family = AF_INET;
  std::string address = "127.0.0.1";  // numeric, without brackets
  uint16_t port = 0;

  // "127.0.0.1:54154" or "[::1]:54154".
  std::string to_string() const;
  bool is_loopback() const;
  bool is_wildcard() const;
  bool operator==(const Endpoint&) const = default;
};

// Fills a sockaddr for connect()/bind(); fails on a malformed address.
Result<socklen_t> to_sockaddr(const Endpoint& ep, sockaddr_storage& out);
Endpoint from_sockaddr(const sockaddr_storage& sa);
// "HOST:PORT" or "[V6]:PORT" with a numeric host.
Result<Endpoint> parse_endpoint(const std::string& text);

// Where a client reaches a socket listening on `listening`: the wildcard becomes loopback of
// the same family; a non-loopback address is refused (the harness talks over loopback only).
Result<Endpoint> reachable_over_loopback(const Endpoint& listening);

}  // namespace sockgrade::net
