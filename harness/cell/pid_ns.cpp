#include "cell/pid_ns.hpp"

#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/retry.hpp"

namespace sockgrade::cell {

Result<void> enter_private_pids() {
  if (::unshare(CLONE_NEWPID | CLONE_NEWNS) != 0) return unexpected(errno_error("unshare(CLONE_NEWPID | CLONE_NEWNS)"));
  pid_t init = ::fork();
  if (init < 0) return unexpected(errno_error("fork (the namespace's init)"));
  if (init > 0) {
    // The go-between: holds nothing (the result pipe belongs to the init), waits, relays.
    ::close_range(3, ~0U, 0);
    int status = 0;
    retry_eintr([&] { return ::waitpid(init, &status, 0); });
    ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  }
  // The init of the new namespaces: dies with the go-between (and so with the harness).
  // (Its parent lives outside the namespace, so getppid() says 0 here and cannot be compared.)
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return unexpected(errno_error("prctl(PR_SET_PDEATHSIG)"));
  // Mounts made here stay here, and /proc shows this namespace's processes.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return unexpected(errno_error("mount(/, MS_REC | MS_PRIVATE)"));
  }
  if (::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
    return unexpected(errno_error("mount(proc, /proc)"));
  }
  return {};
}

}  // namespace sockgrade::cell
