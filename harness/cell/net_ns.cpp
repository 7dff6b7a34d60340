#include "cell/net_ns.hpp"

#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

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

}  // namespace sockgrade::cell
