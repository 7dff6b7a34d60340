#include "net/local_ports.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include <gtest/gtest.h>

namespace sockgrade::net {
namespace {

uint16_t bound_port(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return 0;
  return ntohs(a.sin_port);
}

TEST(ClientSocket, UnboundWhenNoPortIsKept) {
  keep_ports_free({});
  auto s = client_socket(AF_INET);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(bound_port(s->get()), 0);  // connect() picks the port
}

// In a network namespace of its own whose ephemeral range is two ports, one of them kept free:
// every client socket must get the other one. (A child process: the namespace and the kept
// ports stay there.)
TEST(ClientSocket, NeverGetsAKeptPort) {
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::unshare(CLONE_NEWNET) != 0) ::_exit(77);
    int range = ::open("/proc/sys/net/ipv4/ip_local_port_range", O_WRONLY | O_CLOEXEC);
    if (range < 0 || ::write(range, "50000 50001\n", 12) != 12) ::_exit(77);
    ::close(range);
    keep_ports_free({50000});
    for (int i = 0; i < 20; ++i) {
      auto s = client_socket(AF_INET);
      if (!s) ::_exit(2);
      if (bound_port(s->get()) != 50001) ::_exit(1);
    }
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 77) GTEST_SKIP() << "needs a network namespace of its own (root)";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: a kept port was handed out; 2: no socket";
}

TEST(ClientSocket, UnixSocketsAreNotBound) {
  keep_ports_free({54154});
  auto s = client_socket(AF_UNIX);
  ASSERT_TRUE(s) << s.error().message;
  keep_ports_free({});
}

}  // namespace
}  // namespace sockgrade::net
