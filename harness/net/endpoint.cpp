#include "net/endpoint.hpp"

#include <sys/un.h>

#include <cstddef>

#include <arpa/inet.h>

#include <cstring>

namespace sockgrade::net {

std::string Endpoint::to_string() const {
  if (family == AF_UNIX) return "unix:" + address;
  if (family == AF_INET6) return "[" + address + "]:" + std::to_string(port);
  return address + ":" + std::to_string(port);
}

bool Endpoint::is_loopback() const {
  if (family == AF_UNIX) return true;  // a path: local by nature
  if (family == AF_INET) return address.rfind("127.", 0) == 0;
  return address == "::1" || address.rfind("::ffff:127.", 0) == 0;
}

bool Endpoint::is_wildcard() const { return address == "0.0.0.0" || address == "::"; }

namespace {

// An IPv4 or IPv6 address: the two differ only in their struct and its field names.
template <typename Sockaddr, int Family, auto Port, auto Addr>
Result<socklen_t> fill_inet(const Endpoint& ep, sockaddr_storage& out, const char* version) {
  auto* sa = reinterpret_cast<Sockaddr*>(&out);
  reinterpret_cast<sockaddr*>(sa)->sa_family = Family;
  sa->*Port = htons(ep.port);
  if (::inet_pton(Family, ep.address.c_str(), &(sa->*Addr)) != 1) {
    return error_result(std::string("not an ") + version + " address: " + ep.address);
  }
  return static_cast<socklen_t>(sizeof(Sockaddr));
}

}  // namespace

Result<socklen_t> to_sockaddr(const Endpoint& ep, sockaddr_storage& out) {
  std::memset(&out, 0, sizeof out);
  if (ep.family == AF_UNIX) {
    auto* sun = reinterpret_cast<sockaddr_un*>(&out);
    sun->sun_family = AF_UNIX;
    if (ep.address.empty() || ep.address.size() >= sizeof sun->sun_path) return error_result("bad socket path: " + ep.address);
    std::memcpy(sun->sun_path, ep.address.data(), ep.address.size());
    return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + ep.address.size() + 1);
  }
  if (ep.family == AF_INET) return fill_inet<sockaddr_in, AF_INET, &sockaddr_in::sin_port, &sockaddr_in::sin_addr>(ep, out, "IPv4");
  return fill_inet<sockaddr_in6, AF_INET6, &sockaddr_in6::sin6_port, &sockaddr_in6::sin6_addr>(ep, out, "IPv6");
}

Endpoint from_sockaddr(const sockaddr_storage& sa) {
  Endpoint ep;
  char buf[INET6_ADDRSTRLEN] = {0};
  if (sa.ss_family == AF_UNIX) {
    auto* sun = reinterpret_cast<const sockaddr_un*>(&sa);
    ep.family = AF_UNIX;
    ep.address = std::string(sun->sun_path, strnlen(sun->sun_path, sizeof sun->sun_path));
    return ep;
  }
  if (sa.ss_family == AF_INET6) {
    auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&sa);
    ep.family = AF_INET6;
    ::inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof buf);
    ep.port = ntohs(sin6->sin6_port);
  } else {
    auto* sin = reinterpret_cast<const sockaddr_in*>(&sa);
    ep.family = AF_INET;
    ::inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf);
    ep.port = ntohs(sin->sin_port);
  }
  ep.address = buf;
  return ep;
}

Result<Endpoint> parse_endpoint(const std::string& text) {
  Endpoint ep;
  std::string host, port;
  if (!text.empty() && text[0] == '[') {
    auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return error_result("expected [ADDRESS]:PORT, got '" + text + "'");
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    ep.family = AF_INET6;
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos) return error_result("expected HOST:PORT, got '" + text + "'");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    ep.family = host.find(':') != std::string::npos ? AF_INET6 : AF_INET;
  }
  if (host == "localhost") host = "127.0.0.1";
  char* end = nullptr;
  long p = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || p < 0 || p > 65535) return error_result("bad port in '" + text + "'");
  ep.address = host;
  ep.port = static_cast<uint16_t>(p);
  sockaddr_storage ss;
  SG_CHECK(to_sockaddr(ep, ss));
  return ep;
}

Result<Endpoint> reachable_over_loopback(const Endpoint& listening) {
  Endpoint ep = listening;
  if (ep.family == AF_INET6 && ep.address.rfind("::ffff:", 0) == 0) {
    ep.family = AF_INET;
    ep.address = ep.address.substr(7);
  }
  if (ep.is_wildcard()) {
    ep.address = ep.family == AF_INET6 ? "::1" : "127.0.0.1";
    return ep;
  }
  if (ep.is_loopback()) return ep;
  return error_result("listens on " + listening.to_string() +
              ", an address the harness does not reach (it talks over loopback only)");
}

}  // namespace sockgrade::net
