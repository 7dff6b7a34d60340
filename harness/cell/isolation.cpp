#include "cell/isolation.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "cell/net_ns.hpp"
#include "core/retry.hpp"

namespace sockgrade::cell {
namespace {

// Runs `probe` in a forked child and returns its error message, or "" when it succeeded.
template <class F>
std::string probe_in_child(F probe) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return std::string("pipe2: ") + std::strerror(errno);
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(p[0]);
    ::close(p[1]);
    return std::string("fork: ") + std::strerror(errno);
  }
  if (pid == 0) {
    ::close(p[0]);
    std::string err = probe();
    if (!err.empty()) [[maybe_unused]] auto w = ::write(p[1], err.data(), err.size());
    ::_exit(err.empty() ? 0 : 1);
  }
  ::close(p[1]);
  std::string err;
  char buf[256];
  ssize_t n;
  while ((n = retry_eintr([&] { return ::read(p[0], buf, sizeof buf); })) > 0) err.append(buf, n);
  ::close(p[0]);
  int status = 0;
  retry_eintr([&] { return ::waitpid(pid, &status, 0); });
  if (err.empty() && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) err = "probe failed";
  return err;
}

}  // namespace

Isolation detect_isolation() {
  Isolation iso;
  std::string err = probe_in_child([] {
    auto r = enter_private_network();
    return r ? std::string() : r.error().message;
  });
  iso.netns = err.empty();
  if (!iso.netns) {
    iso.missing.push_back("netns: " + err +
                          " — checks run one at a time on free ports (in Docker: --cap-add SYS_ADMIN)");
  }
  iso.missing.push_back("pidns, userns, cgroup, seccomp, uid_drop: not implemented in this version");
  return iso;
}

Isolation no_isolation() {
  Isolation iso;
  iso.missing.push_back("netns: disabled by --isolation none");
  return iso;
}

nlohmann::json isolation_to_json(const Isolation& iso) {
  return {{"netns", iso.netns},       {"pidns", iso.pidns},
          {"userns", iso.userns},     {"cgroup", iso.cgroup},
          {"seccomp", iso.seccomp},   {"uid_drop", iso.uid_drop},
          {"process_group", iso.process_group}, {"rlimits", iso.rlimits},
          {"missing", iso.missing}};
}

}  // namespace sockgrade::cell
