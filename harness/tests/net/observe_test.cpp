#include "net/observe.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "core/wait.hpp"
#include "support/loopback_server.hpp"

namespace sockgrade::net {
namespace {

using ::testing::Contains;
using ::testing::Not;
using namespace std::chrono_literals;

// A generous bound for waits on the kernel: the tests end as soon as the condition holds.
Deadline patience() { return Deadline::after(30s); }

// A forked child blocked in read() on a pipe until the test ends; killed and reaped on exit.
class BlockedChild {
 public:
  BlockedChild() {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(p[1]);
      char c;
      ssize_t n = ::read(p[0], &c, 1);
      ::_exit(n == 1 ? 0 : 1);
    }
    ::close(p[0]);
    write_end_.reset(p[1]);
  }
  ~BlockedChild() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status;
    ::waitpid(pid_, &status, 0);
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  Fd write_end_;
};

std::vector<Listener> own_listeners_on(uint16_t port) {
  auto all = listening_sockets({::getpid()});
  std::vector<Listener> out;
  std::copy_if(all.begin(), all.end(), std::back_inserter(out), [&](const Listener& l) { return l.local.port == port; });
  return out;
}

uint64_t inode_of(int fd) {
  struct stat st{};
  return ::fstat(fd, &st) == 0 ? st.st_ino : 0;
}

void expect_listener_found(int family) {
  uint16_t port = 0;
  Fd sock = testing::bound_loopback_socket(family, &port);
  ASSERT_TRUE(sock.valid());
  EXPECT_TRUE(own_listeners_on(port).empty()) << "bound but not listening yet";
  ASSERT_EQ(::listen(sock.get(), 4), 0);
  auto found = own_listeners_on(port);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].local.family, family);
  EXPECT_EQ(found[0].local.address, family == AF_INET6 ? "::1" : "127.0.0.1");
  EXPECT_EQ(found[0].inode, inode_of(sock.get()));
  EXPECT_EQ(found[0].pid, ::getpid());
}

TEST(ListeningSockets, FindsOwnIpv4Listener) { expect_listener_found(AF_INET); }

TEST(ListeningSockets, FindsOwnIpv6Listener) {
  if (!testing::ipv6_loopback_available()) GTEST_SKIP() << "IPv6 loopback is not available here";
  expect_listener_found(AF_INET6);
}

TEST(ListeningSockets, IgnoresBoundButNotListeningSocket) {
  uint16_t port = 0;
  Fd sock = testing::bound_loopback_socket(AF_INET, &port);
  ASSERT_TRUE(sock.valid());
  auto inodes = socket_inodes(::getpid());
  EXPECT_THAT(inodes, Contains(inode_of(sock.get())));  // the socket is seen, and is not a listener
  auto all = listening_sockets({::getpid()});
  for (const auto& l : all) EXPECT_NE(l.inode, inode_of(sock.get()));
}

TEST(ListeningSockets, IgnoresEstablishedConnections) {
  uint16_t port = 0;
  Fd listener = testing::bound_loopback_socket(AF_INET, &port);
  ASSERT_TRUE(listener.valid());
  ASSERT_EQ(::listen(listener.get(), 4), 0);
  Fd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(client.get(), reinterpret_cast<sockaddr*>(&to), sizeof to), 0);
  Fd accepted(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  ASSERT_TRUE(accepted.valid());
  // The accepted socket shares the listener's local port but is ESTABLISHED, not a listener.
  auto found = own_listeners_on(port);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].inode, inode_of(listener.get()));
  for (const auto& l : listening_sockets({::getpid()})) {
    EXPECT_NE(l.inode, inode_of(accepted.get()));
    EXPECT_NE(l.inode, inode_of(client.get()));
  }
}

TEST(ListeningSockets, AttributesTheListenerToTheProcessHoldingIt) {
  BlockedChild before_listen;  // forked before the socket exists: does not hold it
  ASSERT_GT(before_listen.pid(), 0);
  uint16_t port = 0;
  Fd sock = testing::bound_loopback_socket(AF_INET, &port);
  ASSERT_TRUE(sock.valid());
  ASSERT_EQ(::listen(sock.get(), 4), 0);
  BlockedChild after_listen;  // inherits the listening socket
  ASSERT_GT(after_listen.pid(), 0);

  auto on_port = [&](const std::vector<Listener>& v) {
    std::vector<Listener> out;
    std::copy_if(v.begin(), v.end(), std::back_inserter(out), [&](const Listener& l) { return l.local.port == port; });
    return out;
  };
  EXPECT_TRUE(on_port(listening_sockets({before_listen.pid()})).empty());
  auto held = on_port(listening_sockets({after_listen.pid()}));
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0].pid, after_listen.pid());
  EXPECT_EQ(held[0].inode, inode_of(sock.get()));
  // Held by two of the pids given: reported once.
  EXPECT_EQ(on_port(listening_sockets({::getpid(), after_listen.pid()})).size(), 1u);
  EXPECT_TRUE(listening_sockets({}).empty());
}

TEST(CountFds, GrowsByOneWithAnOpenDescriptor) {
  int before = count_fds(::getpid());
  ASSERT_GT(before, 0);
  Fd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(fd.valid());
  EXPECT_EQ(count_fds(::getpid()), before + 1);
  fd.reset();
  EXPECT_EQ(count_fds(::getpid()), before);
}

TEST(CountFds, CountsTheDescriptorsOfAnotherProcess) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  int std_open = 0;
  for (int fd = 0; fd <= 2; ++fd) std_open += ::fcntl(fd, F_GETFD) != -1;
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Keep stdin/stdout/stderr and the pipe's read end (as fd 3), nothing else.
    if (::dup2(p[0], 3) != 3 || ::close_range(4, ~0u, 0) != 0) ::_exit(1);
    char c;
    ::_exit(::read(3, &c, 1) == 1 ? 0 : 1);
  }
  ::close(p[0]);
  bool blocked = wait_until(patience(), [&] { return blocked_syscalls({child}) == std::vector<long>{SYS_read}; });
  int n = count_fds(child);
  ::close(p[1]);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(blocked);
  EXPECT_EQ(n, std_open + 1);
}

TEST(CountFds, UnreadableDirectoryIsMinusOne) {
  // Pid numbers above pid_max never exist.
  EXPECT_EQ(count_fds(1 << 30), -1);
  EXPECT_FALSE(read_proc_file("/proc/1073741824/stat").has_value());
}

TEST(DescendantsOf, FindsAForkedChild) {
  BlockedChild child;
  ASSERT_GT(child.pid(), 0);
  EXPECT_THAT(descendants_of(::getpid()), Contains(child.pid()));
  auto tree = process_tree(::getpid());
  ASSERT_FALSE(tree.empty());
  EXPECT_EQ(tree.front(), ::getpid());
  EXPECT_THAT(tree, Contains(child.pid()));
  EXPECT_THAT(descendants_of(child.pid()), Not(Contains(::getpid())));
}

TEST(DescendantsOf, FindsGrandchildren) {
  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
  int ready[2];
  ASSERT_EQ(::pipe2(ready, O_CLOEXEC), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(p[1]);
    pid_t grandchild = ::fork();
    if (grandchild == 0) {
      char c;
      [[maybe_unused]] auto n = ::read(p[0], &c, 1);
      ::_exit(0);
    }
    // Tell the test the grandchild's pid, then wait with it.
    [[maybe_unused]] auto w = ::write(ready[1], &grandchild, sizeof grandchild);
    char c;
    [[maybe_unused]] auto n = ::read(p[0], &c, 1);
    ::waitpid(grandchild, nullptr, 0);
    ::_exit(0);
  }
  ::close(p[0]);
  ::close(ready[1]);
  pid_t grandchild = 0;
  ASSERT_EQ(::read(ready[0], &grandchild, sizeof grandchild), static_cast<ssize_t>(sizeof grandchild));
  ::close(ready[0]);
  auto d = descendants_of(::getpid());
  EXPECT_THAT(d, Contains(child));
  EXPECT_THAT(d, Contains(grandchild));
  ::close(p[1]);  // both see EOF and exit
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status));
}

TEST(SnapshotTree, CountsAZombieChild) {
  auto before = snapshot_tree(::getpid());
  EXPECT_EQ(before.zombies, 0);
  EXPECT_GE(before.processes, 1);
  EXPECT_GT(before.root_fds, 0);
  EXPECT_GE(before.root_threads, 1);
  EXPECT_EQ(before.root_state, 'R');

  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(7);
  siginfo_t info{};
  ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(child), &info, WEXITED | WNOWAIT), 0);  // exited, not reaped
  auto zombie = snapshot_tree(::getpid());
  EXPECT_EQ(zombie.zombies, 1);
  EXPECT_EQ(zombie.processes, before.processes);  // a zombie is not a live process

  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_EQ(WEXITSTATUS(status), 7);
  EXPECT_EQ(snapshot_tree(::getpid()).zombies, 0);
}

TEST(SnapshotTree, CountsLiveChildren) {
  auto before = snapshot_tree(::getpid());
  BlockedChild a, b;
  ASSERT_GT(a.pid(), 0);
  ASSERT_GT(b.pid(), 0);
  auto s = snapshot_tree(::getpid());
  EXPECT_EQ(s.processes, before.processes + 2);
  EXPECT_EQ(s.threads, before.threads + 2);
  EXPECT_EQ(s.zombies, 0);
}

TEST(BlockedSyscalls, ShowsReadForAChildBlockedOnAPipe) {
  BlockedChild child;
  ASSERT_GT(child.pid(), 0);
  std::vector<long> seen;
  bool in_read = wait_until(patience(), [&] {
    seen = blocked_syscalls({child.pid()});
    return seen.size() == 1 && seen[0] == SYS_read;
  });
  ASSERT_TRUE(in_read) << "last seen: " << ::testing::PrintToString(seen);
}

TEST(BlockedSyscalls, RunningTaskIsMinusOne) {
  pid_t spinner = ::fork();
  ASSERT_GE(spinner, 0);
  if (spinner == 0) {
    volatile unsigned long spins = 0;
    for (;;) spins = spins + 1;  // never enters a syscall
  }
  auto seen = blocked_syscalls({spinner});
  ::kill(spinner, SIGKILL);
  ::waitpid(spinner, nullptr, 0);
  EXPECT_EQ(seen, std::vector<long>{-1});
}

TEST(CpuTimeNs, GrowsWithWork) {
  uint64_t before = cpu_time_ns(::getpid());
  volatile uint64_t x = 0;
  bool grew = wait_until(patience(), [&] {
    for (int i = 0; i < 100000; ++i) x = x + static_cast<uint64_t>(i);
    return cpu_time_ns(::getpid()) > before;
  });
  EXPECT_TRUE(grew);
  EXPECT_EQ(cpu_time_ns(1 << 30), 0u);
}

// A program that never blocks is runnable (on a CPU or waiting for one) nearly all the time,
// however little CPU a loaded machine gives it: what busy-waiting checks rest on.
TEST(CpuUseSince, ASpinnerIsRunnableNearlyAllTheTime) {
  pid_t spinner = ::fork();
  ASSERT_GE(spinner, 0);
  if (spinner == 0) {
    volatile unsigned long spins = 0;
    for (;;) spins = spins + 1;
  }
  auto before = sample_cpu(spinner);
  Stopwatch clock;
  CpuUse use;
  // A measuring window, not a synchronisation: until 200 ms of runnable time were counted.
  bool counted = wait_until(patience(), [&] {
    use = cpu_use_since(before, spinner);
    return use.runnable_ms >= 200;
  });
  double wall = clock.elapsed_ms();
  ::kill(spinner, SIGKILL);
  ::waitpid(spinner, nullptr, 0);
  ASSERT_TRUE(counted);
  if (!use.runnable_known) GTEST_SKIP() << "no schedstat here: runnable time is CPU time";
  EXPECT_GT(use.runnable_ms, 0.5 * wall) << "cpu " << use.cpu_ms << " ms, wall " << wall << " ms";
  EXPECT_GE(use.runnable_ms, use.cpu_ms);
}

TEST(CpuUseSince, ABlockedProcessIsNotRunnable) {
  BlockedChild child;
  ASSERT_GT(child.pid(), 0);
  ASSERT_TRUE(wait_until(patience(), [&] { return blocked_syscalls({child.pid()}) == std::vector<long>{SYS_read}; }));
  auto before = sample_cpu(child.pid());
  Stopwatch clock;
  // A measuring window of 100 ms in which the child stays blocked in read().
  wait_until(Deadline::after(100ms), [] { return false; });
  auto use = cpu_use_since(before, child.pid());
  EXPECT_LT(use.runnable_ms, 0.1 * clock.elapsed_ms());
}

TEST(ListeningUnixSockets, FindsOwnListenerByPathNotBoundOnes) {
  char dir[] = "/tmp/sockgrade-unix-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  auto make = [&](const std::string& name, bool listen_too) {
    Fd s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    Endpoint ep;
    ep.family = AF_UNIX;
    ep.address = std::string(dir) + "/" + name;
    sockaddr_storage ss;
    auto len = to_sockaddr(ep, ss);
    EXPECT_TRUE(len);
    EXPECT_EQ(::bind(s.get(), reinterpret_cast<sockaddr*>(&ss), *len), 0);
    if (listen_too) {
      EXPECT_EQ(::listen(s.get(), 4), 0);
    }
    return s;
  };
  auto listening = make("a.sock", true);
  auto bound = make("b.sock", false);
  auto found = listening_unix_sockets({::getpid()});
  std::vector<std::string> paths;
  for (const auto& l : found) paths.push_back(l.local.address);
  EXPECT_THAT(paths, ::testing::Contains(std::string(dir) + "/a.sock"));
  EXPECT_THAT(paths, ::testing::Not(::testing::Contains(std::string(dir) + "/b.sock")));
  ::unlink((std::string(dir) + "/a.sock").c_str());
  ::unlink((std::string(dir) + "/b.sock").c_str());
  ::rmdir(dir);
}

}  // namespace
}  // namespace sockgrade::net
