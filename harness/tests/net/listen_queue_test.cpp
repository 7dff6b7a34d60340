// The backlog of a real listening socket read back with sock_diag (the counters that prove a
// backlog problem are parsed in net/tcp_counters, tested there).
#include "net/listen_queue.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "core/fd.hpp"

namespace sockgrade::net {
namespace {

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
