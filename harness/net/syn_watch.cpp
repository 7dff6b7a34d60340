#include "net/syn_watch.hpp"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "core/retry.hpp"

namespace sockgrade::net {
namespace {

constexpr uint8_t kTcpSyn = 0x02, kTcpAck = 0x10;

uint8_t byte_at(std::string_view p, std::size_t i) { return static_cast<uint8_t>(p[i]); }
uint16_t port_at(std::string_view p, std::size_t i) {
  return static_cast<uint16_t>((byte_at(p, i) << 8) | byte_at(p, i + 1));
}

// The TCP header at `tcp`: the destination port when it is a SYN without ACK.
std::optional<uint16_t> syn_port(std::string_view p, std::size_t tcp) {
  if (p.size() < tcp + 14) return std::nullopt;
  uint8_t flags = byte_at(p, tcp + 13);
  if ((flags & (kTcpSyn | kTcpAck)) != kTcpSyn) return std::nullopt;
  return port_at(p, tcp + 2);
}

}  // namespace

std::optional<Endpoint> syn_destination(std::string_view p, int family) {
  char text[INET6_ADDRSTRLEN] = {};
  if (family == AF_INET) {
    if (p.size() < 20 || (byte_at(p, 0) >> 4) != 4 || byte_at(p, 9) != IPPROTO_TCP) return std::nullopt;
    if ((port_at(p, 6) & 0x1fff) != 0) return std::nullopt;  // a later fragment: no TCP header
    auto port = syn_port(p, static_cast<std::size_t>(byte_at(p, 0) & 0x0f) * 4);
    if (!port) return std::nullopt;
    ::inet_ntop(AF_INET, p.data() + 16, text, sizeof text);
    return Endpoint{AF_INET, text, *port};
  }
  if (family == AF_INET6) {
    // Without extension headers, as the kernel sends a SYN.
    if (p.size() < 40 || (byte_at(p, 0) >> 4) != 6 || byte_at(p, 6) != IPPROTO_TCP) return std::nullopt;
    auto port = syn_port(p, 40);
    if (!port) return std::nullopt;
    ::inet_ntop(AF_INET6, p.data() + 24, text, sizeof text);
    return Endpoint{AF_INET6, text, *port};
  }
  return std::nullopt;
}

Result<SynWatch> SynWatch::open() {
  SynWatch w;
  w.fd_ = Fd(::socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_ALL)));
  if (!w.fd_) return unexpected(errno_error("socket(AF_PACKET)"));
  sockaddr_ll at{};
  at.sll_family = AF_PACKET;
  at.sll_protocol = htons(ETH_P_ALL);
  at.sll_ifindex = static_cast<int>(::if_nametoindex("lo"));
  if (at.sll_ifindex == 0) return unexpected(errno_error("if_nametoindex(lo)"));
  if (::bind(w.fd_.get(), reinterpret_cast<sockaddr*>(&at), sizeof at) != 0) {
    return unexpected(errno_error("bind(AF_PACKET, lo)"));
  }
  return w;
}

const std::set<std::pair<std::string, uint16_t>>& SynWatch::destinations() {
  char buf[256];  // the headers are all that counts; the rest of a packet is cut off
  for (;;) {
    sockaddr_ll from{};
    socklen_t len = sizeof from;
    ssize_t n = retry_eintr([&] {
      return ::recvfrom(fd_.get(), buf, sizeof buf, MSG_TRUNC, reinterpret_cast<sockaddr*>(&from), &len);
    });
    if (n < 0) break;
    // On loopback every packet passes twice (out, then in): the outgoing copy is enough.
    if (from.sll_pkttype != PACKET_OUTGOING) continue;
    int family = ntohs(from.sll_protocol) == ETH_P_IPV6 ? AF_INET6 : ntohs(from.sll_protocol) == ETH_P_IP ? AF_INET : 0;
    std::string_view packet(buf, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buf));
    if (auto to = syn_destination(packet, family)) seen_.insert({to->address, to->port});
  }
  return seen_;
}

}  // namespace sockgrade::net
