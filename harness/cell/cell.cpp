#include "cell/cell.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <exception>

#include "cell/cleanup.hpp"
#include "cell/net_ns.hpp"
#include "cell/piped_fork.hpp"
#include "cell/pid_ns.hpp"
#include "cell/user_ns.hpp"
#include "core/fd.hpp"
#include "core/retry.hpp"

namespace sockgrade::cell {
namespace {

void write_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    ssize_t w = retry_eintr([&] { return ::write(fd, s.data() + off, s.size() - off); });
    if (w <= 0) return;
    off += static_cast<std::size_t>(w);
  }
}

// The cell process: ordered setup steps, the body, cleanup, then the result on the pipe.
[[noreturn]] void cell_main(const CellJob& job, int result_fd) {
  nlohmann::json out;
  auto setup_error = [&](const std::string& step) {
    out = {{"cell_error", step}};
    write_all(result_fd, out.dump());
    ::_exit(0);
  };
  auto step = [&](Result<void> r) {
    if (!r) setup_error(r.error().message);
  };
  CellEnv env;
  // Step 1: die with the harness, whatever happens to it.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) setup_error(std::string("prctl(PR_SET_PDEATHSIG): ") + std::strerror(errno));
  // Step 2: without root, the rights for the namespaces come from a user namespace.
  if (job.user_namespace) step(enter_user_namespace());
  // Step 3: a network of our own.
  if (job.private_network) step(enter_private_network());
  // Step 4: a PID namespace (the cell becomes its init: whatever is left dies with it), or
  // else a subreaper that adopts orphaned descendants so that cleanup finds them.
  if (job.private_pids) {
    step(enter_private_pids());
    env.private_pids = true;
  } else if (!become_subreaper()) {
    setup_error(std::string("prctl(PR_SET_CHILD_SUBREAPER): ") + std::strerror(errno));
  }
  // Step 5: the filesystem the student will see (the cell sees it too from here on).
  if (job.view) {
    auto v = enter_view(*job.view);
    if (!v) setup_error(v.error().message);
    env.view = *v;
  }
  try {
    out = {{"result", job.body(env)}};
  } catch (const std::exception& e) {
    out = {{"cell_error", std::string("internal error in the check: ") + e.what()}};
  } catch (...) {
    out = {{"cell_error", "internal error in the check"}};
  }
  kill_all_descendants();
  if (job.tmp_owner) remove_tmp_entries_of(*job.tmp_owner);
  write_all(result_fd, out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  ::_exit(0);
}

struct Running {
  std::size_t index;
  pid_t pid;
  Fd result;
  std::string data;
  Stopwatch clock;
  Deadline deadline;
};

CellOutcome finish(Running& r, bool overran) {
  CellOutcome o;
  o.duration_ms = r.clock.elapsed_ms();
  int status = 0;
  if (overran) ::kill(r.pid, SIGKILL);
  retry_eintr([&] { return ::waitpid(r.pid, &status, 0); });
  if (overran) {
    o.error = "the check did not finish within its budget (the harness stopped it)";
    return o;
  }
  if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
    o.error = WIFSIGNALED(status) ? "the cell process was killed by signal " + std::to_string(WTERMSIG(status))
                                  : "the cell process exited with status " + std::to_string(WEXITSTATUS(status));
    return o;
  }
  auto j = nlohmann::json::parse(r.data, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    o.error = "the cell returned no result";
  } else if (j.contains("cell_error")) {
    o.error = j["cell_error"].get<std::string>();
  } else {
    o.ok = true;
    o.result = std::move(j["result"]);
  }
  return o;
}

// Forks the cell of `job` (index i) and adds it to `running`; the error text when it cannot.
std::string launch_cell(const CellJob& job, std::size_t i, std::vector<Running>& running) {
  PipedChild child;
  if (auto err = fork_with_pipe(child); !err.empty()) return err;
  if (child.pid == 0) cell_main(job, child.fd);
  running.push_back(Running{i, child.pid, Fd(child.fd), {}, Stopwatch(), Deadline::after(job.budget)});
  return {};
}

// Waits until a running cell writes, closes its pipe or reaches the earliest deadline; one
// pollfd per running cell, in order.
std::vector<struct pollfd> poll_running(const std::vector<Running>& running) {
  std::vector<struct pollfd> fds;
  Deadline earliest = Deadline::never();
  for (auto& r : running) {
    fds.push_back({r.result.get(), POLLIN, 0});
    if (r.deadline.at() < earliest.at()) earliest = r.deadline;
  }
  retry_eintr([&] { return ::poll(fds.data(), fds.size(), earliest.poll_timeout_ms()); });
  return fds;
}

// Reads what the cell wrote; whether it is done: its pipe closed, or its budget is spent (overran).
bool collect_result(Running& r, short revents, bool& overran) {
  bool done = false;
  if (revents & (POLLIN | POLLHUP | POLLERR)) {
    char buf[65536];
    ssize_t n = retry_eintr([&] { return ::read(r.result.get(), buf, sizeof buf); });
    if (n > 0) r.data.append(buf, static_cast<std::size_t>(n));
    else done = true;
  }
  if (!done && r.deadline.expired()) done = overran = true;
  return done;
}

}  // namespace

std::vector<CellOutcome> run_cells(const std::vector<CellJob>& jobs, int parallel,
                                   const std::function<void(std::size_t, const CellOutcome&)>& on_done,
                                   std::vector<std::size_t> start_order) {
  if (start_order.size() != jobs.size()) {
    start_order.clear();
    for (std::size_t i = 0; i < jobs.size(); ++i) start_order.push_back(i);
  }
  std::vector<CellOutcome> outcomes(jobs.size());
  std::vector<Running> running;
  std::size_t next = 0;
  if (parallel < 1) parallel = 1;

  auto launch = [&](std::size_t i) {
    std::string error = launch_cell(jobs[i], i, running);
    if (error.empty()) return;
    outcomes[i].error = error;
    if (on_done) on_done(i, outcomes[i]);
  };

  while (next < jobs.size() || !running.empty()) {
    while (next < jobs.size() && static_cast<int>(running.size()) < parallel) launch(start_order[next++]);
    if (running.empty()) continue;
    auto fds = poll_running(running);
    for (std::size_t k = running.size(); k-- > 0;) {
      auto& r = running[k];
      bool overran = false;
      if (!collect_result(r, fds[k].revents, overran)) continue;
      outcomes[r.index] = finish(r, overran);
      if (on_done) on_done(r.index, outcomes[r.index]);
      running.erase(running.begin() + static_cast<std::ptrdiff_t>(k));
    }
  }
  return outcomes;
}

}  // namespace sockgrade::cell
