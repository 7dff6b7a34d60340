#include "cell/spawn.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "cell/cgroup.hpp"
#include "cell/seccomp.hpp"

#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <boost/process/posix.hpp>
#include <system_error>

namespace sockgrade::cell {
namespace bp = boost::process;
namespace {

// The setup steps between fork and exec (after nsjail's containProc): each is one syscall,
// no allocation, no exceptions; a failure is written to Boost.Process's error pipe and the
// child exits without exec.
struct ChildSetup : bp::extend::handler {
  RlimitPlan plan;
  bool apply_limits = true;
  pid_t parent = 0;
  const int* cgroup_fds = nullptr;
  int cgroup_count = 0;
  bool drop = false;
  Identity identity;
  bool seccomp = false;

  template <class Executor>
  void error_result(Executor& exec, const char* step) {
    exec.set_error(std::error_code(errno, std::system_category()), step);
    ::_exit(127);
  }

  template <class Executor>
  void on_exec_setup(Executor& exec) {
    // Own process group: the whole program (and what it forks) is killed with one killpg().
    if (::setpgid(0, 0) != 0) error_result(exec, "setpgid(0, 0)");
    // If the cell dies, so does the program.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) error_result(exec, "prctl(PR_SET_PDEATHSIG)");
    if (::getppid() != parent) ::_exit(127);
    // The harness ignores SIGPIPE; ignored signals survive exec, and a student must meet the
    // default disposition (the sigpipe checks depend on it).
    sigset_t none;
    sigemptyset(&none);
    if (::sigprocmask(SIG_SETMASK, &none, nullptr) != 0) error_result(exec, "sigprocmask");
    for (int sig = 1; sig < NSIG; ++sig) {
      if (sig == SIGKILL || sig == SIGSTOP) continue;
      ::signal(sig, SIG_DFL);  // fails harmlessly for reserved real-time signals
    }
    // Into the cgroups first: everything it forks later is counted there.
    if (const char* step = join_cgroups(cgroup_fds, cgroup_count)) error_result(exec, step);
    if (apply_limits) {
      if (const char* step = apply_rlimits(plan)) error_result(exec, step);
    }
    if (drop) {
      if (const char* step = drop_privileges(identity)) error_result(exec, step);
    }
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) error_result(exec, "prctl(PR_SET_NO_NEW_PRIVS)");
    // Descriptors of the harness (peers, result pipes) must not leak into the program; the
    // error pipe of Boost.Process is closed by exec too.
    if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) error_result(exec, "close_range(3, ~0, CLOEXEC)");
    if (seccomp) {
      if (const char* step = install_seccomp_filter()) error_result(exec, step);
    }
  }
};

Result<std::pair<Fd, Fd>> make_pipe() {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return unexpected(errno_error("pipe2"));
  return std::pair<Fd, Fd>(Fd(p[0]), Fd(p[1]));
}

}  // namespace

std::vector<std::string> minimal_environment(const std::string& home) {
  return {"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C", "LC_ALL=C", "HOME=" + home};
}

Result<Spawned> spawn(const LaunchSpec& spec) {
  SG_TRY(auto out, make_pipe());
  SG_TRY(auto err, make_pipe());
  Fd devnull;
  int stdin_fd = spec.stdin_fd;
  if (stdin_fd < 0) {
    devnull.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!devnull) return unexpected(errno_error("open(/dev/null)"));
    stdin_fd = devnull.get();
  }

  bp::environment env;
  for (const auto& kv : spec.env) {
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }

  ChildSetup setup;
  setup.plan = plan_rlimits(spec.limits, spec.identity.has_value());
  setup.apply_limits = spec.apply_limits;
  setup.parent = ::getpid();
  setup.cgroup_fds = spec.cgroup_fds.data();
  setup.cgroup_count = static_cast<int>(spec.cgroup_fds.size());
  setup.drop = spec.identity.has_value();
  if (spec.identity) setup.identity = *spec.identity;
  setup.seccomp = spec.seccomp;

  // Build commands name their tool ("cc", "make"); students' programs come as paths.
  std::string exe = spec.executable;
  if (exe.find('/') == std::string::npos) {
    auto found = bp::search_path(exe);
    if (found.empty()) return error_result("cannot start " + exe + ": not found in PATH");
    exe = found.string();
  }

  std::error_code ec;
  bp::child child(bp::exe = exe, bp::args = spec.args, bp::env = env,
                  bp::start_dir = spec.cwd.empty() ? std::string(".") : spec.cwd,
                  bp::posix::fd.bind(0, stdin_fd), bp::posix::fd.bind(1, spec.stdout_fd >= 0 ? spec.stdout_fd : out.second.get()),
                  bp::posix::fd.bind(2, err.second.get()), setup, ec);
  if (ec) {
    return error_result("cannot start " + spec.executable + ": " + ec.message());
  }
  pid_t pid = child.id();
  // The cell owns the process from here on (waits with a pidfd, kills the group).
  child.detach();
  // A caller that reads stdout itself keeps its own pipe; the drain then sees stderr only.
  if (spec.stdout_fd >= 0) out.first.reset();
  return Spawned{pid, std::move(out.first), std::move(err.first)};
}

}  // namespace sockgrade::cell
