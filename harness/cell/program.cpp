#include "cell/program.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/retry.hpp"

namespace sockgrade::cell {

Result<std::unique_ptr<Program>> Program::start(const LaunchSpec& spec) {
  SG_TRY(auto spawned, spawn(spec));
  std::unique_ptr<Program> p(new Program());
  p->pid_ = spawned.pid;
  // A zombie still has its pid, so this cannot race with an early exit: nobody reaped it yet.
  p->pidfd_.reset(static_cast<int>(::syscall(SYS_pidfd_open, spawned.pid, 0)));
  if (!p->pidfd_) {
    auto e = errno_error("pidfd_open");
    ::kill(-spawned.pid, SIGKILL);
    ::waitpid(spawned.pid, nullptr, 0);
    return unexpected(e);
  }
  p->drain_ = std::make_unique<OutputDrain>(std::move(spawned.stdout_read),
                                            std::move(spawned.stderr_read), p->out_, p->err_);
  return p;
}

Program::~Program() {
  kill();
  finish_output(200);
}

Verdict Program::poll() {
  if (!verdict_.running()) return verdict_;
  int status = 0;
  struct rusage usage{};
  pid_t r = retry_eintr([&] { return ::wait4(pid_, &status, WNOHANG, &usage); });
  if (r == pid_) verdict_ = Verdict::from_wait4(status, usage);
  return verdict_;
}

Verdict Program::wait(Deadline deadline) {
  for (;;) {
    auto v = poll();
    if (!v.running()) return v;
    struct pollfd pfd{pidfd_.get(), POLLIN, 0};
    int r = retry_eintr([&] { return ::poll(&pfd, 1, deadline.poll_timeout_ms()); });
    if (r == 0) return poll();
  }
}

Verdict Program::kill() {
  poll();  // an exit of its own is not the harness's doing
  if (verdict_.running()) {
    // The group may already be gone while the main process is a zombie; both calls are safe.
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    int status = 0;
    struct rusage usage{};
    if (retry_eintr([&] { return ::wait4(pid_, &status, 0, &usage); }) == pid_) {
      // Killed by us: keep what the process did before, unless it had not ended on its own.
      verdict_ = Verdict::from_wait4(status, usage);
      killed_by_harness_ = true;
    }
  } else {
    ::kill(-pid_, SIGKILL);  // children left in the group
  }
  return verdict_;
}

void Program::finish_output(int grace_ms) {
  if (drain_) drain_->finish(grace_ms);
}

}  // namespace sockgrade::cell
