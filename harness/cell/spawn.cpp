#include "cell/spawn.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "cell/cgroup.hpp"
#include "cell/seccomp.hpp"
#include "core/retry.hpp"

namespace sockgrade::cell {
namespace {

// Everything the child needs, made by the parent beforehand. The child shares the parent's
// memory until it execs (clone with CLONE_VM), so it only makes syscalls on this plan: no
// allocation, no lock, no exception (another thread of the parent may hold malloc's lock).
struct ChildPlan {
  const char* exe = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  const char* cwd = nullptr;
  int stdio[3] = {-1, -1, -1};
  RlimitPlan rlimits;
  bool apply_limits = true;
  pid_t parent = 0;
  const int* cgroup_fds = nullptr;
  int cgroup_count = 0;
  bool drop = false;
  Identity identity;
  bool seccomp = false;
  // Written by the child when a step fails; the parent reads them once the child has exited.
  const char* failed_step = nullptr;
  int failed_errno = 0;
};

[[noreturn]] void fail(ChildPlan& p, const char* step) {
  p.failed_errno = errno;
  p.failed_step = step;
  ::_exit(127);
}

// `source` onto descriptor `target`; one already in place only loses close-on-exec.
bool place_descriptor(int source, int target) {
  if (source == target) return ::fcntl(target, F_SETFD, 0) == 0;
  return ::dup2(source, target) == target;
}

// The child, in this order (after nsjail's containProc): the harness's signal handlers undone
// while every signal is still blocked (they would run on the harness's memory), its directory
// and standard descriptors, its own process group, death with the spawning process, an empty
// signal mask, its cgroups, rlimits, the unprivileged identity, no new privileges, every other
// inherited descriptor closed at exec, the seccomp filter; then exec.
int child_main(void* arg) {
  ChildPlan& p = *static_cast<ChildPlan*>(arg);
  struct sigaction dfl{};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    // The harness ignores SIGPIPE and ignored signals survive exec: a student must meet the
    // default disposition (the sigpipe checks depend on it). Fails harmlessly for the
    // real-time signals libc reserves.
    ::sigaction(sig, &dfl, nullptr);
  }
  if (::chdir(p.cwd) != 0) fail(p, "chdir");
  for (int target = 0; target < 3; ++target) {
    if (!place_descriptor(p.stdio[target], target)) fail(p, "dup2");
  }
  // Own process group: the whole program (and what it forks) is killed with one killpg().
  if (::setpgid(0, 0) != 0) fail(p, "setpgid(0, 0)");
  // If the cell dies, so does the program.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail(p, "prctl(PR_SET_PDEATHSIG)");
  if (::getppid() != p.parent) ::_exit(127);
  sigset_t none;
  sigemptyset(&none);
  if (::sigprocmask(SIG_SETMASK, &none, nullptr) != 0) fail(p, "sigprocmask");
  // Into the cgroups first: everything it forks later is counted there.
  if (const char* step = join_cgroups(p.cgroup_fds, p.cgroup_count)) fail(p, step);
  if (p.apply_limits) {
    if (const char* step = apply_rlimits(p.rlimits)) fail(p, step);
  }
  if (p.drop) {
    if (const char* step = drop_privileges(p.identity)) fail(p, step);
  }
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail(p, "prctl(PR_SET_NO_NEW_PRIVS)");
  // Descriptors of the harness (peers, result pipes) must not leak into the program.
  if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) fail(p, "close_range(3, ~0, CLOEXEC)");
  if (p.seccomp) {
    if (const char* step = install_seccomp_filter()) fail(p, step);
  }
  ::execve(p.exe, p.argv, p.envp);
  fail(p, "execve");
}

// Starts the child on a stack of its own and returns once it has exec'd or exited: the pid,
// or -1 with errno. Every signal stays blocked in this thread meanwhile, so that none reaches
// the child before it has undone the harness's handlers.
pid_t clone_and_exec(ChildPlan& plan) {
  constexpr std::size_t kStack = 256 * 1024;
  void* stack = ::mmap(nullptr, kStack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) return -1;
  sigset_t all, old;
  sigfillset(&all);
  ::pthread_sigmask(SIG_BLOCK, &all, &old);
  pid_t pid = ::clone(child_main, static_cast<char*>(stack) + kStack, CLONE_VM | CLONE_VFORK | SIGCHLD, &plan);
  int clone_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  ::munmap(stack, kStack);
  errno = clone_errno;
  return pid;
}

// A command's path: as given when it names a file, else its first match in the harness's PATH
// (build commands name their tool: "cc", "make"; students' programs come as paths).
std::optional<std::string> find_executable(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string dirs = path && *path ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    struct stat st{};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    start = end + 1;
  }
  return std::nullopt;
}

Result<std::pair<Fd, Fd>> make_pipe() {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return unexpected(errno_error("pipe2"));
  return std::pair<Fd, Fd>(Fd(p[0]), Fd(p[1]));
}

// NUL-terminated pointer arrays over `strings` (which must outlive them), for execve(), which
// takes char* const[] but writes through none of them.
std::vector<char*> pointers_to(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

std::vector<std::string> minimal_environment(const std::string& home) {
  return {"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C", "LC_ALL=C", "HOME=" + home};
}

Result<Spawned> spawn(const LaunchSpec& spec) {
  auto exe = find_executable(spec.executable);
  if (!exe) return error_result("cannot start " + spec.executable + ": not found in PATH");
  SG_TRY(auto out, make_pipe());
  SG_TRY(auto err, make_pipe());
  Fd devnull;
  int stdin_fd = spec.stdin_fd;
  if (stdin_fd < 0) {
    devnull.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!devnull) return unexpected(errno_error("open(/dev/null)"));
    stdin_fd = devnull.get();
  }

  std::vector<std::string> args = {*exe};
  args.insert(args.end(), spec.args.begin(), spec.args.end());
  auto argv = pointers_to(args);
  auto envp = pointers_to(spec.env);
  std::string cwd = spec.cwd.empty() ? std::string(".") : spec.cwd;

  ChildPlan plan;
  plan.exe = exe->c_str();
  plan.argv = argv.data();
  plan.envp = envp.data();
  plan.cwd = cwd.c_str();
  plan.stdio[0] = stdin_fd;
  plan.stdio[1] = spec.stdout_fd >= 0 ? spec.stdout_fd : out.second.get();
  plan.stdio[2] = err.second.get();
  plan.rlimits = plan_rlimits(spec.limits, spec.identity.has_value());
  plan.apply_limits = spec.apply_limits;
  plan.parent = ::getpid();
  plan.cgroup_fds = spec.cgroup_fds.data();
  plan.cgroup_count = static_cast<int>(spec.cgroup_fds.size());
  plan.drop = spec.identity.has_value();
  if (spec.identity) plan.identity = *spec.identity;
  plan.seccomp = spec.seccomp;

  pid_t pid = clone_and_exec(plan);
  if (pid < 0) return unexpected(errno_error("cannot start " + spec.executable + ": clone"));
  if (plan.failed_step) {
    retry_eintr([&] { return ::waitpid(pid, nullptr, 0); });
    std::string why = std::strerror(plan.failed_errno);
    // An exec that fails is the program's own trouble (not executable, a bad format): said as
    // it always was; a setup step is named.
    if (std::strcmp(plan.failed_step, "execve") != 0) why = std::string(plan.failed_step) + ": " + why;
    return error_result("cannot start " + spec.executable + ": " + why);
  }
  // The cell owns the process from here on (waits with a pidfd, kills the group).
  // A caller that reads stdout itself keeps its own pipe; the drain then sees stderr only.
  if (spec.stdout_fd >= 0) out.first.reset();
  return Spawned{pid, std::move(out.first), std::move(err.first)};
}

}  // namespace sockgrade::cell
