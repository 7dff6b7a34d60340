#include "cell/net_ns.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "core/fd.hpp"

namespace sockgrade::cell {

Result<void> enter_private_network() {
  if (::unshare(CLONE_NEWNET) != 0) return unexpected(errno_error("unshare(CLONE_NEWNET)"));
  Fd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!s) return unexpected(errno_error("socket(AF_INET, SOCK_DGRAM)"));
  struct ifreq ifr{};
  ::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(s.get(), SIOCGIFFLAGS, &ifr) != 0) return unexpected(errno_error("ioctl(lo, SIOCGIFFLAGS)"));
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (::ioctl(s.get(), SIOCSIFFLAGS, &ifr) != 0) return unexpected(errno_error("ioctl(lo, SIOCSIFFLAGS)"));
  return {};
}

Result<void> cap_tcp_send_buffers(int max_bytes) {
  Fd f(::open("/proc/sys/net/ipv4/tcp_wmem", O_WRONLY | O_CLOEXEC));
  if (!f) return unexpected(errno_error("open(/proc/sys/net/ipv4/tcp_wmem)"));
  std::string value = "4096 16384 " + std::to_string(max_bytes) + "\n";
  if (::write(f.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size())) {
    return unexpected(errno_error("write(/proc/sys/net/ipv4/tcp_wmem)"));
  }
  return {};
}

SendBufferMax tcp_send_buffer_max() {
  SendBufferMax max;
  Fd f(::open("/proc/sys/net/ipv4/tcp_wmem", O_RDONLY | O_CLOEXEC));
  if (!f) return max;
  char buf[128] = {};
  if (::read(f.get(), buf, sizeof buf - 1) <= 0) return max;
  long low = 0, initial = 0, high = 0;
  if (std::sscanf(buf, "%ld %ld %ld", &low, &initial, &high) == 3 && high > 0) {
    max.bytes = high;
    max.read_from_sysctl = true;
  }
  return max;
}

}  // namespace sockgrade::cell
