// Sees the connection attempts (TCP SYNs) made over the loopback interface of the calling
// process's network namespace: where a client really tries to connect, even to a port where
// nothing listens (such a connect is refused at once and leaves no socket to find in /proc).
// Only meaningful in a cell's private namespace, where every SYN comes from the cell's programs.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string_view>

#include "core/fd.hpp"
#include "core/result.hpp"
#include "net/endpoint.hpp"

namespace sockgrade::net {

// The destination of a SYN (not a SYN-ACK) in an IPv4 or IPv6 packet that starts at its IP
// header, or nullopt for any other packet.
std::optional<Endpoint> syn_destination(std::string_view packet, int family);

class SynWatch {
 public:
  // A packet socket on "lo" (needs CAP_NET_RAW in the namespace, which a cell has).
  static Result<SynWatch> open();
  // Reads what arrived since the last call; returns every destination seen so far.
  const std::set<std::pair<std::string, uint16_t>>& destinations();

 private:
  Fd fd_;
  std::set<std::pair<std::string, uint16_t>> seen_;
};

}  // namespace sockgrade::net
