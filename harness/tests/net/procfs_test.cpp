#include "net/procfs.hpp"

#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "net/observe.hpp"
#include "support/loopback_server.hpp"

namespace sockgrade::net {
namespace {

// Captured on this project's Linux 6.18 machine with Python sockets listening on
// 127.0.0.1:48709, [::]:41989 and [::1]:40781, a v4 connection with 10 unread bytes and a v6
// connection with 300 unread bytes (only the rows of those sockets are kept).
constexpr std::string_view kCapturedTcp =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode          "
    "                                           \n"
    "   2: 0100007F:BE45 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2574956 1 "
    "0000000079e6bc56 100 0 0 10 0                   \n"
    " 570: 0100007F:BE45 0100007F:E910 01 00000000:0000000A 00:00000000 00000000     0        0 2574960 1 "
    "00000000464de93b 20 4 30 10 -1                  \n"
    "1066: 0100007F:E910 0100007F:BE45 01 00000000:00000000 00:00000000 00000000     0        0 2574959 2 "
    "0000000075908bde 20 0 0 11 -1                   \n";

constexpr std::string_view kCapturedTcp6 =
    "  sl  local_address                         remote_address                        st tx_queue rx_queue tr "
    "tm->when retrnsmt   uid  timeout inode\n"
    "   0: 00000000000000000000000000000000:A405 00000000000000000000000000000000:0000 0A 00000000:00000000 "
    "00:00000000 00000000     0        0 2574957 1 00000000991b982b 100 0 0 10 0\n"
    "   1: 00000000000000000000000001000000:9F4D 00000000000000000000000000000000:0000 0A 00000000:00000000 "
    "00:00000000 00000000     0        0 2574958 1 000000002315ff2f 100 0 0 10 0\n"
    "   2: 00000000000000000000000001000000:D65A 00000000000000000000000001000000:9F4D 01 00000000:00000000 "
    "00:00000000 00000000     0        0 2574961 2 000000004765decd 20 0 0 11 -1\n"
    "   3: 00000000000000000000000001000000:9F4D 00000000000000000000000001000000:D65A 01 00000000:0000012C "
    "00:00000000 00000000     0        0 2574962 1 0000000071b13d92 20 4 30 10 -1\n";

constexpr const char* kHeader =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

// The sockets of a table made of the header and these lines.
std::vector<SocketRow> rows_of(const std::string& lines, int family) {
  return parse_proc_net_tcp(std::string(kHeader) + lines, family);
}

// The one socket of a table made of the header and this line (an empty row, and a failure, when
// it parses to anything else).
SocketRow only_row(const std::string& line, int family) {
  auto rows = rows_of(line, family);
  EXPECT_EQ(rows.size(), 1u) << line;
  return rows.size() == 1 ? rows[0] : SocketRow{};
}

TEST(ParseProcNetTcp, ReadsCapturedIpv4Table) {
  auto rows = parse_proc_net_tcp(kCapturedTcp, AF_INET);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].local, (Endpoint{AF_INET, "127.0.0.1", 48709}));
  EXPECT_EQ(rows[0].remote, (Endpoint{AF_INET, "0.0.0.0", 0}));
  EXPECT_EQ(rows[0].state, kTcpListen);
  EXPECT_EQ(rows[0].inode, 2574956u);
  EXPECT_EQ(rows[1].state, kTcpEstablished);
  EXPECT_EQ(rows[1].local.port, 48709);
  EXPECT_EQ(rows[1].remote, (Endpoint{AF_INET, "127.0.0.1", 59664}));
  EXPECT_EQ(rows[1].rx_queue, 10u);
  EXPECT_EQ(rows[1].tx_queue, 0u);
  EXPECT_EQ(rows[1].inode, 2574960u);
  EXPECT_EQ(rows[2].local, (Endpoint{AF_INET, "127.0.0.1", 59664}));
  EXPECT_EQ(rows[2].inode, 2574959u);
}

TEST(ParseProcNetTcp, ReadsCapturedIpv6Table) {
  auto rows = parse_proc_net_tcp(kCapturedTcp6, AF_INET6);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].local, (Endpoint{AF_INET6, "::", 41989}));
  EXPECT_EQ(rows[0].state, kTcpListen);
  EXPECT_EQ(rows[0].inode, 2574957u);
  EXPECT_EQ(rows[1].local, (Endpoint{AF_INET6, "::1", 40781}));
  EXPECT_EQ(rows[1].state, kTcpListen);
  EXPECT_EQ(rows[2].local, (Endpoint{AF_INET6, "::1", 54874}));
  EXPECT_EQ(rows[2].remote, (Endpoint{AF_INET6, "::1", 40781}));
  EXPECT_EQ(rows[3].state, kTcpEstablished);
  EXPECT_EQ(rows[3].rx_queue, 300u);
  EXPECT_EQ(rows[3].inode, 2574962u);
}

TEST(ParseProcNetTcp, Ipv4AddressIsInKernelByteOrder) {
  auto row = only_row(
      "   0: 0100007F:9C6A 0A01A8C0:0050 01 00000000:00000000 00:00000000 00000000  1000        0 "
      "77 1 0000000000000000 20 4 0 10 -1\n",
      AF_INET);
  EXPECT_EQ(row.local, (Endpoint{AF_INET, "127.0.0.1", 40042}));
  EXPECT_EQ(row.remote, (Endpoint{AF_INET, "192.168.1.10", 80}));
}

TEST(ParseProcNetTcp, Ipv6LoopbackWildcardAndMapped) {
  auto rows = rows_of(
      "   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000003 "
      "00:00000000 00000000     0        0 101 1 0000000000000000 100 0 0 10 0\n"
      "   1: 00000000000000000000000000000000:D3AA 00000000000000000000000000000000:0000 0A 00000000:00000000 "
      "00:00000000 00000000     0        0 102 1 0000000000000000 100 0 0 10 0\n"
      "   2: 0000000000000000FFFF00000100007F:D3AA 0000000000000000FFFF00000100007F:C000 01 00000000:00000000 "
      "00:00000000 00000000     0        0 103 1 0000000000000000 20 4 0 10 -1\n",
      AF_INET6);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].local, (Endpoint{AF_INET6, "::1", 8080}));
  EXPECT_EQ(rows[0].rx_queue, 3u);  // the accept backlog of a LISTEN socket
  EXPECT_EQ(rows[1].local, (Endpoint{AF_INET6, "::", 54186}));
  EXPECT_EQ(rows[2].local, (Endpoint{AF_INET6, "::ffff:127.0.0.1", 54186}));
  EXPECT_EQ(rows[2].remote.port, 0xC000);
}

TEST(ParseProcNetTcp, EstablishedWithQueues) {
  auto row = only_row(
      "   7: 0100007F:D3AA 0100007F:9C40 01 0001F000:00000800 01:00000014 00000000     0        0 "
      "55555 2 0000000000000000 20 4 30 10 -1\n",
      AF_INET);
  EXPECT_EQ(row.state, kTcpEstablished);
  EXPECT_EQ(row.tx_queue, 0x1F000u);
  EXPECT_EQ(row.rx_queue, 0x800u);
  EXPECT_EQ(row.inode, 55555u);
  EXPECT_EQ(row.local.port, 54186);
  EXPECT_EQ(row.remote.port, 40000);
}

TEST(ParseProcNetTcp, SkipsHeaderAndMalformedLines) {
  const std::string good =
      "   0: 0100007F:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 42 1 0 100 0 0 10 0\n";
  std::string text = std::string(kHeader) +
                     "garbage\n"
                     "\n"
                     "   1: 0100007F:0050 00000000:0000 0A\n"  // too few fields
                     "   2: 0100007G:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1\n"
                     "   3: 00007F:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 2 1\n"
                     "   4: 0100007F:1FFFF 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 3 1\n"
                     "   5: 0100007F 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 4 1\n"
                     "   6: 0100007F:0050 00000000:0000 ZZ 00000000:00000000 00:00000000 00000000 0 0 5 1\n"
                     "   7: 0100007F:0050 00000000:0000 0A 0000000000000000 00:00000000 00000000 0 0 6 1\n"
                     "   8: 0100007F:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 x 1\n" +
                     good;
  auto rows = parse_proc_net_tcp(text, AF_INET);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].inode, 42u);
  EXPECT_EQ(rows[0].local.port, 80);

  // The same row as the first line is a header, not a socket.
  EXPECT_TRUE(parse_proc_net_tcp(good, AF_INET).empty());
  // A v4 row in a v6 table has the wrong address length.
  EXPECT_TRUE(parse_proc_net_tcp(std::string(kHeader) + good, AF_INET6).empty());
  EXPECT_TRUE(parse_proc_net_tcp("", AF_INET).empty());
}

TEST(ParseProcNetTcp, LastLineWithoutNewline) {
  auto row = only_row(
      "   0: 0100007F:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 9 1",
      AF_INET);
  EXPECT_EQ(row.inode, 9u);
}

uint64_t inode_of(int fd) {
  struct stat st{};
  if (::fstat(fd, &st) != 0) return 0;
  return st.st_ino;
}

// The harness must find a socket this process created: LISTEN, the port, the inode of fstat
// and of the /proc/self/fd link.
void expect_finds_own_listener(int family, const char* table) {
  uint16_t port = 0;
  Fd sock = testing::bound_loopback_socket(family, &port);
  ASSERT_TRUE(sock.valid());
  ASSERT_EQ(::listen(sock.get(), 4), 0);
  uint64_t inode = inode_of(sock.get());
  ASSERT_NE(inode, 0u);

  char link[64] = {0};
  auto path = "/proc/self/fd/" + std::to_string(sock.get());
  ssize_t n = ::readlink(path.c_str(), link, sizeof link - 1);
  ASSERT_GT(n, 0);
  auto link_inode = parse_socket_link(std::string_view(link, static_cast<std::size_t>(n)));
  ASSERT_TRUE(link_inode.has_value()) << link;
  EXPECT_EQ(*link_inode, inode);

  auto text = read_proc_file(std::string("/proc/self/net/") + table);
  ASSERT_TRUE(text.has_value());
  auto rows = parse_proc_net_tcp(*text, family);
  auto it = std::find_if(rows.begin(), rows.end(), [&](const SocketRow& r) { return r.inode == inode; });
  ASSERT_NE(it, rows.end()) << "inode " << inode << " not in /proc/self/net/" << table;
  EXPECT_EQ(it->state, kTcpListen);
  EXPECT_EQ(it->local.port, port);
  EXPECT_EQ(it->local.address, family == AF_INET6 ? "::1" : "127.0.0.1");
  EXPECT_EQ(it->local.family, family);
}

TEST(ParseProcNetTcp, FindsOwnIpv4ListenerInProcSelf) { expect_finds_own_listener(AF_INET, "tcp"); }

TEST(ParseProcNetTcp, FindsOwnIpv6ListenerInProcSelf) {
  if (!testing::ipv6_loopback_available()) GTEST_SKIP() << "IPv6 loopback is not available here";
  expect_finds_own_listener(AF_INET6, "tcp6");
}

TEST(TcpStateName, NamesKernelStates) {
  EXPECT_EQ(tcp_state_name(kTcpEstablished), "ESTABLISHED");
  EXPECT_EQ(tcp_state_name(kTcpListen), "LISTEN");
  EXPECT_EQ(tcp_state_name(kTcpCloseWait), "CLOSE_WAIT");
  EXPECT_EQ(tcp_state_name(kTcpClosing), "CLOSING");
  EXPECT_EQ(tcp_state_name(0), "state 0");
  EXPECT_EQ(tcp_state_name(12), "state 12");
}

TEST(ParseProcStat, CommWithSpacesAndParentheses) {
  std::string text =
      "4242 (my (weird) prog) S 17 4242 4242 0 -1 4194304 103 0 0 0 25 7 0 0 20 0 3 0 272795 3133440 405 "
      "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
  auto st = parse_proc_stat(text);
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->pid, 4242);
  EXPECT_EQ(st->comm, "my (weird) prog");
  EXPECT_EQ(st->state, 'S');
  EXPECT_EQ(st->ppid, 17);
  EXPECT_EQ(st->pgrp, 4242);
  EXPECT_EQ(st->utime_ticks, 25u);
  EXPECT_EQ(st->stime_ticks, 7u);
  EXPECT_EQ(st->num_threads, 3);
}

TEST(ParseProcStat, CommEndingInParenthesisAndZombie) {
  auto st = parse_proc_stat("9 (a) b)) Z 1 9 9 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0\n");
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->comm, "a) b)");
  EXPECT_EQ(st->state, 'Z');
  EXPECT_EQ(st->ppid, 1);
}

TEST(ParseProcStat, ReadsOwnStat) {
  auto text = read_proc_file("/proc/self/stat");
  ASSERT_TRUE(text.has_value());
  auto st = parse_proc_stat(*text);
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->pid, ::getpid());
  EXPECT_EQ(st->ppid, ::getppid());
  EXPECT_EQ(st->pgrp, ::getpgrp());
  EXPECT_EQ(st->state, 'R');
  EXPECT_GE(st->num_threads, 1);
}

TEST(ParseProcStat, RejectsMalformedText) {
  EXPECT_FALSE(parse_proc_stat("").has_value());
  EXPECT_FALSE(parse_proc_stat("12 noparens S 1 2").has_value());
  EXPECT_FALSE(parse_proc_stat("x (comm) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1").has_value());
  EXPECT_FALSE(parse_proc_stat("12 (comm) S 1 2 3").has_value());  // truncated
  EXPECT_FALSE(parse_proc_stat("12 (comm) SS 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1").has_value());
}

TEST(ParseSocketLink, ReadsTheInode) {
  EXPECT_EQ(parse_socket_link("socket:[12345]"), std::optional<uint64_t>(12345));
  EXPECT_EQ(parse_socket_link("socket:[0]"), std::optional<uint64_t>(0));
  for (const char* other :
       {"pipe:[12345]", "/dev/null", "socket:[]", "socket:[12a]", "socket:[12", "", "anon_inode:[eventpoll]"}) {
    EXPECT_FALSE(parse_socket_link(other).has_value()) << other;
  }
}

TEST(ParseSchedstat, ReadsTimeOnCpuAndTimeWaiting) {
  auto s = parse_schedstat("61897 1200 1\n");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->on_cpu_ns, 61897u);
  EXPECT_EQ(s->waiting_ns, 1200u);
  s = parse_schedstat("18446744073709551615 0 1\n");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->on_cpu_ns, UINT64_MAX);
  EXPECT_FALSE(parse_schedstat("").has_value());
  EXPECT_FALSE(parse_schedstat("abc").has_value());
  EXPECT_FALSE(parse_schedstat("61897").has_value());
  EXPECT_FALSE(parse_schedstat("61897 x 1").has_value());
  auto own = read_proc_file("/proc/self/schedstat");
  if (own) {
    EXPECT_TRUE(parse_schedstat(*own).has_value()) << *own;
  }
}

TEST(ParseSyscallNumber, RunningOrBlocked) {
  EXPECT_EQ(parse_syscall_number("running\n"), -1);
  EXPECT_EQ(parse_syscall_number("1 0x4 0x5615a0 0x1 0x0 0x0 0x0 0x7ffd 0x7f12\n"), 1);
  EXPECT_EQ(parse_syscall_number("0 0x3 0x7fc07fa15000 0x20000 0x7fc07faa5b60 0xffffffff 0x0 0x7ffc 0x7fc0\n"), 0);
  EXPECT_EQ(parse_syscall_number("232 0x4 0x7ffd 0x400 0xffffffff 0x0 0x0 0x7ffd 0x7f12\n"), 232);
  EXPECT_EQ(parse_syscall_number("-1 0x7ffd 0x7f12\n"), -1);
  EXPECT_EQ(parse_syscall_number(""), -1);
}

TEST(CallKind, FamiliesOfTheCallsAServerBlocksIn) {
  EXPECT_EQ(call_kind(-1), CallKind::running);
  EXPECT_EQ(call_kind(SYS_accept4), CallKind::accept);
  EXPECT_EQ(call_kind(SYS_recvfrom), CallKind::read);
  EXPECT_EQ(call_kind(SYS_sendmsg), CallKind::write);
  EXPECT_EQ(call_kind(SYS_epoll_wait), CallKind::poll);
  EXPECT_EQ(call_kind(SYS_clone3), CallKind::fork);
  EXPECT_EQ(call_kind(SYS_wait4), CallKind::wait);
  EXPECT_EQ(call_kind(SYS_futex), CallKind::futex);
  EXPECT_EQ(call_kind(SYS_nanosleep), CallKind::other);
}

TEST(ConnectionRow, TheServersEndNotItsListener) {
  SocketRow listener, other, ours;
  listener.local.port = 5000;
  listener.state = kTcpListen;
  other.local.port = 5000;
  other.remote.port = 40001;
  other.state = kTcpEstablished;
  ours = other;
  ours.remote.port = 40002;
  ours.inode = 7;
  std::vector<SocketRow> rows{listener, other, ours};
  const SocketRow* found = connection_row(rows, 5000, 40002);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->inode, 7u);
  EXPECT_EQ(connection_row(rows, 5000, 40003), nullptr);
  EXPECT_EQ(connection_row(rows, 5001, 40002), nullptr);
}

TEST(ParseBlockedCall, NumberAndTheDescriptorItWaitsOn) {
  auto read = parse_blocked_call("0 0x3 0x7fc07fa15000 0x20000 0x7fc07faa5b60 0xffffffff 0x0 0x7ffc 0x7fc0\n");
  EXPECT_EQ(read.nr, 0);
  EXPECT_EQ(read.arg0, 3u);
  auto accept = parse_blocked_call("43 0x1a 0x0 0x0 0x0 0x0 0x0 0x7ffd 0x7f12\n");
  EXPECT_EQ(accept.nr, 43);
  EXPECT_EQ(accept.arg0, 26u);
  auto running = parse_blocked_call("running\n");
  EXPECT_EQ(running.nr, -1);
  EXPECT_EQ(running.arg0, 0u);
  EXPECT_EQ(parse_blocked_call("").nr, -1);
}

TEST(ParseFdinfoFlags, OctalFlagsWithTheNonblockingBit) {
  EXPECT_EQ(parse_fdinfo_flags("pos:\t0\nflags:\t02004002\nmnt_id:\t9\nino:\t123\n"), 02004002);
  EXPECT_NE(parse_fdinfo_flags("pos:\t0\nflags:\t02004002\n") & 04000, 0);
  EXPECT_EQ(parse_fdinfo_flags("pos:\t0\nflags:\t02\n") & 04000, 0);
  EXPECT_EQ(parse_fdinfo_flags("pos:\t0\n"), -1);
}

TEST(ParseStatusKib, ReadsTheFieldAtALineStart) {
  const char* status = "Name:\tserver\nVmPeak:\t   9000 kB\nVmRSS:\t   1234 kB\nRssAnon:\t  99 kB\n";
  EXPECT_EQ(parse_status_kib(status, "VmRSS"), 1234);
  EXPECT_EQ(parse_status_kib(status, "VmPeak"), 9000);
  EXPECT_EQ(parse_status_kib(status, "RSS"), -1);  // only a whole field name counts
  EXPECT_EQ(parse_status_kib(status, "VmSwap"), -1);
  EXPECT_EQ(parse_status_kib("VmRSS:\t\n", "VmRSS"), -1);
  auto own = read_proc_file("/proc/self/status");
  ASSERT_TRUE(own.has_value());
  EXPECT_GT(parse_status_kib(*own, "VmRSS"), 0);
}

TEST(CountThreadStacks, AGuardPageRightBelowAReadWriteMappingIsAStack) {
  const uint64_t page = 4096;
  const char* maps =
      "55d0a0000000-55d0a0001000 r--p 00000000 08:01 1 /srv/server\n"
      "7f0000000000-7f0000001000 ---p 00000000 00:00 0 \n"  // guard
      "7f0000001000-7f0000801000 rw-p 00000000 00:00 0 \n"  // its stack: 1
      "7f0000900000-7f0000901000 ---p 00000000 00:00 0 \n"  // guard
      "7f0000901000-7f0001101000 rw-p 00000000 00:00 0 \n"  // its stack: 2
      "7f0002000000-7f0002002000 ---p 00000000 00:00 0 \n"  // two pages: not a thread's guard
      "7f0002002000-7f0002802000 rw-p 00000000 00:00 0 \n"
      "7f0003000000-7f0003001000 ---p 00000000 00:00 0 \n"  // a guard followed by a gap
      "7f0003002000-7f0003802000 rw-p 00000000 00:00 0 \n";
  EXPECT_EQ(count_thread_stacks(maps, page), 2);
  EXPECT_EQ(count_thread_stacks("", page), 0);
  EXPECT_EQ(count_thread_stacks("garbage\n", page), 0);
}

}  // namespace
}  // namespace sockgrade::net
