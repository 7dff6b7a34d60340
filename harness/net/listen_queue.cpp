#include "net/listen_queue.hpp"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>
#include <vector>

#include "core/fd.hpp"
#include "net/observe.hpp"

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

std::optional<uint64_t> parse_proc_counter(std::string_view text, std::string_view group, std::string_view name) {
  // Pairs of lines: "TcpExt: Name1 Name2 …" then "TcpExt: 12 34 …".
  auto words = [](std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && line[i] == ' ') ++i;
      std::size_t j = i;
      while (j < line.size() && line[j] != ' ') ++j;
      if (j > i) out.push_back(line.substr(i, j - i));
      i = j;
    }
    return out;
  };
  std::vector<std::string_view> lines;
  for (std::size_t at = 0; at < text.size();) {
    auto end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  for (std::size_t l = 0; l + 1 < lines.size(); ++l) {
    auto names = words(lines[l]);
    auto values = words(lines[l + 1]);
    if (names.empty() || values.size() != names.size() || names[0] != std::string(group) + ":" || values[0] != names[0]) continue;
    for (std::size_t k = 1; k < names.size(); ++k) {
      if (names[k] != name) continue;
      uint64_t v = 0;
      auto r = std::from_chars(values[k].data(), values[k].data() + values[k].size(), v);
      if (r.ec == std::errc()) return v;
    }
  }
  return std::nullopt;
}

std::optional<ListenCounters> listen_counters() {
  auto text = read_proc_file("/proc/net/netstat");
  if (!text) return std::nullopt;
  auto overflows = parse_proc_counter(*text, "TcpExt", "ListenOverflows");
  auto drops = parse_proc_counter(*text, "TcpExt", "ListenDrops");
  if (!overflows || !drops) return std::nullopt;
  return ListenCounters{*overflows, *drops};
}

}  // namespace sockgrade::net
