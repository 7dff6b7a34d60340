#include "grading/server_under_test.hpp"

#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

#include "cell/fate.hpp"
#include "cell/refusal.hpp"
#include "grading/context.hpp"
#include "core/retry.hpp"

namespace sockgrade::grading {
namespace {

// Where a server of this transport waits for its peers: listening TCP or UNIX sockets, or a
// bound UDP socket.
std::vector<net::Listener> listeners_of(lab::Transport transport, const std::vector<pid_t>& pids) {
  switch (transport) {
    case lab::Transport::unix_stream: return net::listening_unix_sockets(pids);
    case lab::Transport::udp: return net::bound_udp_sockets(pids);
    case lab::Transport::tcp: break;
  }
  return net::listening_sockets(pids);
}

// The last non-empty line of a program's output, at most 200 characters.
std::string last_line(const std::string& text) {
  std::size_t end = text.find_last_not_of("\r\n ");
  if (end == std::string::npos) return {};
  std::size_t start = text.rfind('\n', end);
  start = start == std::string::npos ? 0 : start + 1;
  return text.substr(start, std::min<std::size_t>(end + 1 - start, 200));
}

std::vector<std::string> expand_argv(const std::vector<std::string>& tmpl, uint16_t port, const std::string& path) {
  std::vector<std::string> out;
  for (auto arg : tmpl) {
    auto pos = arg.find("{port}");
    if (pos != std::string::npos) arg.replace(pos, 6, std::to_string(port));
    pos = arg.find("{path}");
    if (pos != std::string::npos) arg.replace(pos, 6, path);
    out.push_back(arg);
  }
  return out;
}

// A path bound relative to the server's working directory: reached through that directory.
void resolve_relative_path(Context& ctx, net::Listener& listener) {
  auto& path = listener.local.address;
  if (path.empty() || path[0] == '/') return;
  // Read as the program's uid: a root harness without CAP_SYS_PTRACE (a default
  // container) cannot read another uid's cwd link otherwise.
  if (auto cwd = net::read_proc_link("/proc/" + std::to_string(listener.pid) + "/cwd")) {
    path = *cwd + "/" + path;
  } else {
    ctx.evidence()["unix_path_unresolved"] = "cannot read /proc/" + std::to_string(listener.pid) + "/cwd";
  }
}

// The listener at the port asked, else the first one.
net::Listener preferred_listener(Context& ctx, lab::Transport transport, uint16_t port,
                                 const std::vector<net::Listener>& listeners) {
  // A UNIX-domain lab's server listens at a path (/proc/net/unix), preferably the one asked.
  bool unix_socket = transport == lab::Transport::unix_stream;
  auto it = std::find_if(listeners.begin(), listeners.end(), [&](const net::Listener& l) {
    return unix_socket ? l.local.address == ctx.socket_path() : l.local.port == port;
  });
  net::Listener chosen = it != listeners.end() ? *it : listeners.front();
  if (unix_socket) resolve_relative_path(ctx, chosen);
  return chosen;
}

// Whether the cell holds more processes than last seen (at least 2) and none was refused yet;
// remembers the count.
bool still_multiplying(cell::Cgroup& cgroup, uint64_t& processes_seen) {
  auto stats = cgroup.stats();
  if (stats.pids_refused == 0 && stats.processes > std::max<uint64_t>(processes_seen, 1)) {
    processes_seen = stats.processes;
    return true;
  }
  return false;
}

// Whether the program has not yet had the CPU to listen: runnable (or in the kernel) and under
// a quarter of a second of CPU over its tree, which a server needs but milliseconds of. One that
// sleeps (reading stdin, say) or spins without listening is judged at the usual deadline.
bool still_starting(pid_t pid) {
  auto tree = net::snapshot_tree(pid);
  constexpr uint64_t kEnoughToListenNs = 250'000'000;
  return tree.root_busy() && tree.cpu_ns < kEnoughToListenNs;
}

}  // namespace

Step<std::unique_ptr<ServerUnderTest>> ServerUnderTest::spawn(Context& ctx, uint16_t port, std::string label,
                                                              const ServerOptions& options) {
  std::unique_ptr<ServerUnderTest> s(new ServerUnderTest());
  s->requested_port_ = port;
  s->started_ = Clock::now();
  auto spec = launch_spec(ctx, expand_argv(ctx.lab().run.argv, port, ctx.socket_path()));
  SG_CHECK(s->start(ctx, spec, std::move(label), options.shim));
  return s;
}

Step<void> ServerUnderTest::wait_listening(Context& ctx) {
  // Wait for a listening socket: /proc is scanned between waits on the process's exit, with
  // a short growing interval. Descendants are scanned too (a server may fork before listen).
  auto deadline = ctx.deadline(3000);
  // A program still multiplying its processes (a fork loop) gets more time, up to this, to reach
  // the process limit: the verdict then names the limit on a loaded machine too, where forks
  // are slow, instead of "did not listen" on some runs. So does one the machine has not yet
  // given the CPU to start (seen: hostile/fork-bomb, one process and no fork after 3 s at a
  // load of 280).
  const auto forking_limit = ctx.deadline(15000);
  uint64_t processes_seen = 0;
  int interval_ms = 1;
  for (int round = 0;; ++round) {
    auto v = program_->poll();
    if (!v.running()) return exited_before_listening(ctx, v);
    std::vector<pid_t> pids = round % 8 == 7 ? net::process_tree(pid()) : std::vector<pid_t>{pid()};
    auto listeners = listeners_of(lab_->transport, pids);
    if (!listeners.empty()) {
      listener_ = preferred_listener(ctx, lab_->transport, requested_port_, listeners);
      break;
    }
    if (deadline.expired() && !forking_limit.expired() &&
        ((cgroup_ && still_multiplying(*cgroup_, processes_seen)) || still_starting(pid()))) {
      deadline = forking_limit.capped(ctx.ms(1000));
      continue;
    }
    if (deadline.expired()) return did_not_listen(ctx);
    struct pollfd pfd{program_->exit_fd(), POLLIN, 0};
    retry_eintr([&] { return ::poll(&pfd, 1, std::min(interval_ms, std::max(deadline.poll_timeout_ms(), 1))); });
    interval_ms = std::min(interval_ms * 2, 8);
  }
  return listening_seen(ctx);
}

Step<void> ServerUnderTest::exited_before_listening(Context& ctx, const cell::Verdict& v) {
  program_->finish_output(200);
  ctx.trace().add(label_, "exit", v.describe());
  // Its children outlived it: it probably daemonized.
  bool others = !net::descendants_of(::getpid()).empty();
  // Only what was seen: no listening socket while it ran (a socket it had for an instant
  // before failing at accept() is gone with it); its own last words say where it stopped.
  std::string what = "the server " + fate_sentence() + " before the harness saw it listening on a " +
                     (lab_->transport == lab::Transport::unix_stream ? "socket" : "port");
  if (others) {
    what += " (processes it forked are still running: a server must stay in the foreground, not daemonize)";
  }
  return failed(what + stderr_clause(ctx));
}

Step<void> ServerUnderTest::did_not_listen(Context& ctx) {
  ctx.trace().add(label_, "not-listening", "no listening socket after " + ctx.human(3000));
  std::string waited = "the server did not listen on any " + std::string(lab::transport_endpoint(lab_->transport)) +
                       (lab_->transport == lab::Transport::udp ? " (no bound socket)" : "") + " within " +
                       ctx.human(3000);
  if (cgroup_) {
    auto pressure = cell::describe_pressure(cgroup_->stats(), lab_->limits);
    // Stuck at its memory limit: a failure of the program, whether or not the OOM killer
    // has struck yet (the same verdict as when it has).
    if (pressure.memory_exhausted) return failed(waited + ": " + pressure.sentence);
    if (!pressure.sentence.empty()) return timed_out(waited + " (it is still running; " + pressure.sentence + ")");
  }
  return timed_out(waited + " (it is still running; is listen() called?)");
}

Step<void> ServerUnderTest::listening_seen(Context& ctx) {
  listened_ = true;
  ready_ms_ = std::chrono::duration<double, std::milli>(Clock::now() - started_).count();
  auto reachable = net::reachable_over_loopback(listener_.local);
  if (!reachable) return failed(reachable.error().message);
  endpoint_ = *reachable;
  ctx.trace().add(label_, "listen",
                  listener_.local.to_string() + " after " + std::to_string(static_cast<int>(ready_ms_)) + " ms");
  return {};
}

namespace {

// Whether the tasks of `pid` show it waiting: some task blocked in a system call other than
// fork/clone (being made) and exit (going away). Nullopt when /proc cannot say.
std::optional<bool> waiting_in_a_call(pid_t pid) {
  auto calls = net::blocked_calls({pid});
  if (calls.empty()) return std::nullopt;
  for (const auto& task : calls) {
    if (!task.readable) return std::nullopt;
    auto kind = net::call_kind(task.call.nr);
    bool exiting = task.call.nr == SYS_exit || task.call.nr == SYS_exit_group;
    if (kind != net::CallKind::running && kind != net::CallKind::fork && !exiting) return true;
  }
  return false;
}

}  // namespace

Step<void> ServerUnderTest::wait_settled(Context& ctx) {
  if (lab_->transport != lab::Transport::tcp) return {};
  const auto settle = ctx.deadline(300);
  const auto hard = ctx.deadline(3000);  // a fork() held up by a loaded machine
  for (;;) {
    auto v = program_->poll();
    if (!v.running()) return exited_after_listening(ctx);
    auto waiting = waiting_in_a_call(pid());
    if (!waiting || *waiting) return {};
    bool forking = server_busy_forking(pid());
    if (hard.expired() || (settle.expired() && !forking)) return {};
    struct pollfd pfd{program_->exit_fd(), POLLIN, 0};
    retry_eintr([&] { return ::poll(&pfd, 1, 1); });
  }
}

bool ServerUnderTest::server_busy_forking(pid_t pid) {
  auto calls = net::blocked_syscalls({pid});
  return std::any_of(calls.begin(), calls.end(), [](long nr) { return net::call_kind(nr) == net::CallKind::fork; });
}

Step<void> ServerUnderTest::exited_after_listening(Context& ctx) {
  program_->finish_output(200);
  auto v = program_->poll();
  ctx.trace().add(label_, "exit", v.describe() + " after it listened");
  std::vector<pid_t> others;
  for (pid_t p : net::processes_in_namespace_of(::getpid())) {
    if (p != ::getpid()) others.push_back(p);
  }
  auto holders = net::holders_of_socket(others, listener_.inode);
  std::string port = std::to_string(listener_.local.port);
  if (!holders.empty()) {
    ctx.evidence()["proof"] = "/proc/" + std::to_string(holders.front().pid) + "/fd/" + std::to_string(holders.front().fd) +
                              " is the listening socket on port " + port + " after the server exited";
    return failed("the server " + fate_sentence() + " right after it listened on port " + port +
                  ", while a process it had forked kept its listening socket: a server must stay in the foreground, "
                  "not daemonize");
  }
  return failed("the server " + fate_sentence() + " right after it listened on port " + port);
}

Step<void> ServerUnderTest::expect_alive(const std::string& while_doing) {
  auto v = status();
  if (v.running()) return {};
  return failed("the server " + listened_then() + fate_sentence() + " " + while_doing);
}

std::string ServerUnderTest::listened_then() const {
  if (!listened_) return {};
  switch (lab_->transport) {
    case lab::Transport::unix_stream: return "listened at " + listener_.local.address + " and then ";
    case lab::Transport::udp: return "bound port " + std::to_string(listener_.local.port) + " and then ";
    case lab::Transport::tcp: break;
  }
  return "listened on port " + std::to_string(listener_.local.port) + " and then ";
}

std::string ServerUnderTest::stderr_clause(Context& ctx) {
  const auto stderr_text = program_->stderr_capture().tail();
  if (auto refusal = cell::find_refusal(stderr_text)) {
    const auto& settings = ctx.settings();
    bool sandboxed = settings.identity.has_value() || settings.seccomp || settings.fs_view;
    ctx.evidence()["proof"] = "stderr: " + refusal->line;
    return "; " + cell::refusal_clause(*refusal, sandboxed);
  }
  auto last = last_line(stderr_text);
  if (last.empty()) return " (it printed nothing on stderr)";
  return "; its stderr ends with \"" + last + "\"";
}

std::vector<net::Listener> ServerUnderTest::listeners() const {
  return net::listening_sockets(net::process_tree(program_->pid()));
}

}  // namespace sockgrade::grading
