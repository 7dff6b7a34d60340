#include "net/local_ports.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "net/endpoint.hpp"

namespace sockgrade::net {
namespace {

std::vector<uint16_t>& kept() {
  static std::vector<uint16_t> ports;
  return ports;
}

uint16_t local_port(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  return from_sockaddr(ss).port;
}

}  // namespace

void keep_ports_free(std::vector<uint16_t> ports) {
  ports.erase(std::remove(ports.begin(), ports.end(), uint16_t{0}), ports.end());
  kept() = std::move(ports);
}

Result<Fd> client_socket(int family) {
  constexpr int kAttempts = 16;  // each draw hits a kept port with odds of 1 in thousands
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    Fd fd(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) return unexpected(errno_error("socket"));
    if (kept().empty() || (family != AF_INET && family != AF_INET6)) return fd;
    sockaddr_storage any{};
    socklen_t len = 0;
    if (family == AF_INET) {
      auto* a = reinterpret_cast<sockaddr_in*>(&any);
      a->sin_family = AF_INET;
      a->sin_addr.s_addr = htonl(INADDR_ANY);
      len = sizeof *a;
    } else {
      auto* a = reinterpret_cast<sockaddr_in6*>(&any);
      a->sin6_family = AF_INET6;
      a->sin6_addr = in6addr_any;
      len = sizeof *a;
    }
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&any), len) != 0) return unexpected(errno_error("bind(port 0)"));
    uint16_t port = local_port(fd.get());
    if (std::find(kept().begin(), kept().end(), port) == kept().end()) return fd;
  }
  return error_result("bind(port 0): the kernel kept choosing a port the program needs");
}

}  // namespace sockgrade::net
