// The netns counters that prove a backlog problem, parsed from captured /proc text; and the
// backlog of a real listening socket read back with sock_diag.
#include "net/listen_queue.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "core/fd.hpp"

namespace sockgrade::net {
namespace {

constexpr const char* kNetstat =
    "TcpExt: SyncookiesSent SyncookiesRecv ListenOverflows ListenDrops TCPBacklogDrop\n"
    "TcpExt: 0 0 37 41 0\n"
    "IpExt: InNoRoutes InTruncatedPkts\n"
    "IpExt: 0 0\n";

TEST(ParseProcCounter, FindsACounterByGroupAndName) {
  EXPECT_EQ(parse_proc_counter(kNetstat, "TcpExt", "ListenOverflows"), 37u);
  EXPECT_EQ(parse_proc_counter(kNetstat, "TcpExt", "ListenDrops"), 41u);
  EXPECT_EQ(parse_proc_counter(kNetstat, "IpExt", "InTruncatedPkts"), 0u);
}

TEST(ParseProcCounter, UnknownNamesAndGroupsAreNotFound) {
  EXPECT_FALSE(parse_proc_counter(kNetstat, "TcpExt", "NoSuchCounter"));
  EXPECT_FALSE(parse_proc_counter(kNetstat, "Tcp", "ListenDrops"));
  EXPECT_FALSE(parse_proc_counter("", "TcpExt", "ListenDrops"));
}

TEST(ListenQueue, ReadsTheBacklogPassedToListen) {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(fd);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd.get(), 5), 0);
  struct stat st{};
  ASSERT_EQ(::fstat(fd.get(), &st), 0);
  auto q = listen_queue(st.st_ino);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->backlog, 5u);
  EXPECT_EQ(q->queued, 0u);
}

}  // namespace
}  // namespace sockgrade::net
