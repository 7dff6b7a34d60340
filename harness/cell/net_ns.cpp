#include "cell/net_ns.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "core/fd.hpp"
#include "net/observe.hpp"

namespace sockgrade::cell {

namespace {

std::string sysctl_path(const std::string& name) { return "/proc/sys/net/ipv4/" + name; }

// A sysctl of the calling process's network namespace, as written in /proc/sys; nullopt when
// it cannot be read (an older kernel without it, or a container hiding /proc/sys).
std::optional<std::string> read_sysctl(const std::string& name) { return net::read_proc_file(sysctl_path(name)); }

Result<void> write_sysctl(const std::string& name, const std::string& value) {
  Fd f(::open(sysctl_path(name).c_str(), O_WRONLY | O_CLOEXEC));
  if (!f) return unexpected(errno_error("open(" + sysctl_path(name) + ")"));
  if (::write(f.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size())) {
    return unexpected(errno_error("write(" + sysctl_path(name) + ")"));
  }
  return {};
}

// A namespace shares the host's table of TCP connections (the ehash: 262144 buckets on a
// 24 GiB machine) unless its parent asks for a table of its own. Reading /proc/net/tcp walks
// every bucket, about 1 ms, and the checks read it hundreds of times per submission: a
// quarter of a grading's CPU went there. So the cell makes a namespace, asks it for small
// tables in its children (net.ipv4.tcp_child_ehash_entries, Linux 6.1+), then makes the
// cell's own namespace inside it. The kernel sizes two limits from the table; the cell's are
// set back to what a namespace sharing the host's table gets, so that SYN-queue and TIME_WAIT
// behaviour (which the checks observe) is as before. On a kernel without the sysctl the cell
// keeps the first namespace, sharing the host's table as it always did.
constexpr const char* kChildTableBuckets = "1024";
constexpr const char* kTableSizedLimits[] = {"tcp_max_syn_backlog", "tcp_max_tw_buckets"};

Result<void> enter_namespace_with_own_connection_table() {
  if (::unshare(CLONE_NEWNET) != 0) return unexpected(errno_error("unshare(CLONE_NEWNET)"));
  std::vector<std::string> limits;
  for (const char* name : kTableSizedLimits) {
    auto value = read_sysctl(name);
    if (!value) return {};
    limits.push_back(*value);
  }
  // Absent before Linux 6.1: the write fails and the cell stays in the first namespace.
  if (!write_sysctl("tcp_child_ehash_entries", kChildTableBuckets)) return {};
  if (::unshare(CLONE_NEWNET) != 0) return unexpected(errno_error("unshare(CLONE_NEWNET), the second"));
  for (std::size_t i = 0; i < limits.size(); ++i) {
    if (auto w = write_sysctl(kTableSizedLimits[i], limits[i]); !w) return w;
  }
  return {};
}

}  // namespace

Result<void> enter_private_network() {
  if (auto entered = enter_namespace_with_own_connection_table(); !entered) return entered;
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
  return write_sysctl("tcp_wmem", "4096 16384 " + std::to_string(max_bytes) + "\n");
}

SendBufferMax tcp_send_buffer_max() {
  SendBufferMax max;
  auto text = read_sysctl("tcp_wmem");
  long low = 0, initial = 0, high = 0;
  if (text && std::sscanf(text->c_str(), "%ld %ld %ld", &low, &initial, &high) == 3 && high > 0) {
    max.bytes = high;
    max.read_from_sysctl = true;
  }
  return max;
}

}  // namespace sockgrade::cell
