#include "net/listen_queue.hpp"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

#include "core/fd.hpp"
#include "net/observe.hpp"
#include "net/tcp_counters.hpp"

namespace sockgrade::net {
namespace {

constexpr uint32_t kTcpListenBit = 1u << 10;  // TCP_LISTEN

// One sock_diag dump of `family`'s listening TCP sockets; the one with `inode`, if there.
std::optional<ListenQueue> dump_family(int family, uint64_t inode) {
  Fd fd(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
  if (!fd) return std::nullopt;
  struct {
    nlmsghdr nlh;
    inet_diag_req_v2 req;
  } msg{};
  msg.nlh.nlmsg_len = sizeof msg;
  msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  msg.req.sdiag_family = static_cast<uint8_t>(family);
  msg.req.sdiag_protocol = IPPROTO_TCP;
  msg.req.idiag_states = kTcpListenBit;
  sockaddr_nl to{};
  to.nl_family = AF_NETLINK;
  if (::sendto(fd.get(), &msg, sizeof msg, 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0) return std::nullopt;
  alignas(nlmsghdr) char buf[32768];
  for (;;) {
    ssize_t got = ::recv(fd.get(), buf, sizeof buf, 0);
    if (got <= 0) return std::nullopt;
    int len = static_cast<int>(got);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) return std::nullopt;
      const auto* m = static_cast<const inet_diag_msg*>(NLMSG_DATA(h));
      if (m->idiag_inode == inode) return ListenQueue{m->idiag_rqueue, m->idiag_wqueue};
    }
  }
}

}  // namespace

std::optional<ListenQueue> listen_queue(uint64_t inode) {
  for (int family : {AF_INET, AF_INET6}) {
    if (auto q = dump_family(family, inode)) return q;
  }
  return std::nullopt;
}

std::optional<ListenCounters> listen_counters() {
  auto counters = read_tcp_counters();
  if (!counters) return std::nullopt;
  auto overflows = counters->get("TcpExt.ListenOverflows");
  auto drops = counters->get("TcpExt.ListenDrops");
  if (!overflows || !drops) return std::nullopt;
  return ListenCounters{static_cast<uint64_t>(*overflows), static_cast<uint64_t>(*drops)};
}

}  // namespace sockgrade::net
