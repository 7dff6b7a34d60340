// A cell's network namespace has a table of TCP connections of its own (so that reading
// /proc/net/tcp walks a few buckets, not the host's table), and the two limits the kernel sizes
// from that table are what a namespace sharing the host's table gets. Each test forks: entering a
// namespace cannot be undone.
#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <string>

#include <gtest/gtest.h>

#include "cell/net_ns.hpp"
#include "cell/piped_fork.hpp"

namespace sockgrade::cell {
namespace {

std::string read_sysctl(const std::string& name) {
  std::string text;
  int fd = ::open(("/proc/sys/net/ipv4/" + name).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "absent";
  char buf[128];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

const char* kNames[] = {"tcp_ehash_entries", "tcp_max_syn_backlog", "tcp_max_tw_buckets"};

// The three sysctls as a child sees them after `enter` (or "error: …" when entering failed).
std::map<std::string, std::string> sysctls_after(bool (*enter)(std::string& error)) {
  PipedChild child;
  if (auto err = fork_with_pipe(child); !err.empty()) return {{"error", err}};
  if (child.pid == 0) {
    std::string error, out;
    if (!enter(error)) {
      out = "error=" + error + "\n";
    } else {
      for (const char* name : kNames) out += std::string(name) + "=" + read_sysctl(name) + "\n";
    }
    (void)!::write(child.fd, out.data(), out.size());
    ::_exit(0);
  }
  std::string text;
  char buf[512];
  ssize_t n;
  while ((n = ::read(child.fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
  ::close(child.fd);
  ::waitpid(child.pid, nullptr, 0);
  std::map<std::string, std::string> values;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    std::string line = text.substr(start, end - start);
    auto eq = line.find('=');
    if (eq != std::string::npos) values[line.substr(0, eq)] = line.substr(eq + 1);
    start = end == std::string::npos ? text.size() : end + 1;
  }
  return values;
}

bool plain_namespace(std::string& error) {
  if (::unshare(CLONE_NEWNET) == 0) return true;
  error = "unshare(CLONE_NEWNET) failed";
  return false;
}

bool cell_namespace(std::string& error) {
  auto r = enter_private_network();
  if (!r) error = r.error().message;
  return static_cast<bool>(r);
}

TEST(CellNetworkNamespace, HasItsOwnConnectionTableAndTheLimitsOfASharedOne) {
  if (::geteuid() != 0) GTEST_SKIP() << "creating network namespaces needs root here";
  if (read_sysctl("tcp_child_ehash_entries") == "absent") GTEST_SKIP() << "this kernel has no per-namespace TCP tables";
  auto shared = sysctls_after(plain_namespace);
  if (shared.count("error")) GTEST_SKIP() << "no network namespace here: " << shared["error"];
  auto cell = sysctls_after(cell_namespace);
  ASSERT_EQ(cell.count("error"), 0u) << cell["error"];
  // A shared table is shown negated (the host's size); the cell's own is positive and small.
  EXPECT_EQ(shared["tcp_ehash_entries"].rfind('-', 0), 0u) << shared["tcp_ehash_entries"];
  EXPECT_EQ(cell["tcp_ehash_entries"], "1024");
  EXPECT_EQ(cell["tcp_max_syn_backlog"], shared["tcp_max_syn_backlog"]);
  EXPECT_EQ(cell["tcp_max_tw_buckets"], shared["tcp_max_tw_buckets"]);
}

}  // namespace
}  // namespace sockgrade::cell
