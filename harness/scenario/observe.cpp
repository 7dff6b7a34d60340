// Scenario observations of a server lab's program from /proc: children reaped, descriptors and
// threads back to where they were, the concurrency model, idle CPU, a blocked write.
#include "scenario/run.hpp"
#include "checks/server_idle.hpp"
#include "checks/server_tree.hpp"
#include "core/bytes.hpp"
#include "core/wait.hpp"
#include "grading/server_under_test.hpp"
#include "net/observe.hpp"
#include "net/procfs.hpp"

#include <unistd.h>

namespace sockgrade::checks {

using lab::ScenarioStep;

namespace {

// A library may open a descriptor lazily (syslog, a locale file).
constexpr int kFdSlack = 2;

}  // namespace

int ScenarioRun::open_peers() const {
  int n = 0;
  for (const auto& [name, st] : peers_) n += st.peer && st.peer->open();
  return n;
}

namespace {

using Looked = std::function<bool(const net::TreeSnapshot&)>;

// Looks at the program's tree until `ok` holds or `within_ms` pass; `s` keeps the last look.
bool look(Context& ctx, ServerUnderTest& srv, int within_ms, net::TreeSnapshot& s, const Looked& ok) {
  return wait_until(ctx.deadline(within_ms), [&] {
    s = srv.snapshot();
    return ok(s);
  });
}

void record_tree(Context& ctx, const std::string& what, const net::TreeSnapshot& s) {
  ctx.evidence()["observed"] = {{"observation", what}, {"tree", describe_tree(s)}};
}

// Every connection made so far has been accept()ed: the listening socket's queue is empty.
Step<void> accept_queue_empty(Context& ctx, ServerUnderTest& srv, int within_ms, const std::string& scene) {
  const uint16_t port = srv.listener().local.port;
  uint64_t queued = 0;
  bool empty = wait_until(ctx.deadline(within_ms), [&] {
    for (const auto& row : net::tcp_table(::getpid())) {
      if (row.state == net::kTcpListen && row.local.port == port) queued = row.rx_queue;
    }
    return queued == 0;
  });
  if (empty) return {};
  ctx.evidence()["accept_queue"] = queued;
  return failed(scene + std::to_string(queued) + " connection(s) still wait in the listen queue " + ctx.human(within_ms) +
                " later: the program does not accept() them");
}

// one-process-one-thread, process-per-client or thread-per-client, with `clients` connected.
Step<void> concurrency_model(Context& ctx, ServerUnderTest& srv, const ScenarioStep& step, int clients,
                             const std::string& scene) {
  const std::string& what = step.observation;
  net::TreeSnapshot s;
  std::string asked;
  std::string with = "with " + plural(clients, "client", "clients") + " connected, ";
  bool ok = false;
  if (what == "one-process-one-thread") {
    s = srv.snapshot();
    ok = s.processes == 1 && s.threads == 1;
    asked = "one process with one thread that multiplexes every client (select/poll)";
    with.clear();  // a fact of the program whatever the clients
  } else if (what == "process-per-client") {
    ok = look(ctx, srv, step.within_ms, s, [&](const net::TreeSnapshot& t) { return t.processes - 1 >= clients; });
    asked = "one child process per client";
  } else {
    ok = look(ctx, srv, step.within_ms, s,
              [&](const net::TreeSnapshot& t) { return t.processes == 1 && t.root_threads >= clients + 1; });
    asked = "one thread per client";
  }
  record_tree(ctx, what, s);
  if (ok) return {};
  return failed(scene + with + "/proc shows " + describe_tree(s) + ": this lab asks for " + asked);
}

}  // namespace

Step<void> ScenarioRun::observe(const ScenarioStep& step) {
  SG_TRY(auto* srv, ensure_server());
  const std::string& what = step.observation;
  const std::string scene = "after " + (done_.empty() ? std::string("the start") : done_.back()) + ", ";
  net::TreeSnapshot s;
  if (what == "children-reaped") {
    return children_gone(ctx_, *srv, scene,
                         ": the server never reaps its children (a SIGCHLD handler looping on waitpid(-1, NULL, "
                         "WNOHANG), or wait() after each child)");
  }
  if (what == "fds-at-baseline") {
    bool back = look(ctx_, *srv, step.within_ms, s,
                     [&](const net::TreeSnapshot& t) { return t.root_fds >= 0 && t.root_fds <= baseline_.fds + kFdSlack; });
    ctx_.evidence()["fds_before"] = baseline_.fds;
    ctx_.evidence()["fds_after"] = s.root_fds;
    if (back) return {};
    SG_CHECK(srv->expect_alive(scene));
    return failed(scene + "the program holds " + std::to_string(s.root_fds) + " descriptors; it held " +
                  std::to_string(baseline_.fds) + " while it waited for its first client: a descriptor leaks (close() "
                  "every connection when done with it)");
  }
  if (what == "threads-at-baseline") {
    bool back = look(ctx_, *srv, step.within_ms, s,
                     [&](const net::TreeSnapshot& t) { return t.root_threads <= baseline_.threads; });
    record_tree(ctx_, what, s);
    if (back) return {};
    return failed(scene + "the program has " + std::to_string(s.root_threads) + " threads; it had " +
                  std::to_string(baseline_.threads) + " before its first client: threads of gone clients remain");
  }
  if (what == "accept-queue-empty") return accept_queue_empty(ctx_, *srv, step.within_ms, scene);
  if (what != "idle-cpu") return concurrency_model(ctx_, *srv, step, open_peers(), scene);
  SG_TRY(auto use, idle_use(ctx_, *srv, step.window_ms, scene));
  ctx_.evidence()["busy"] = use.busy;
  if (!use.busy_waiting()) return {};
  return failed(scene + "the idle program " + use.busy + " for " + ctx_.human(step.window_ms) + ": it busy-waits");
}

Step<void> ScenarioRun::wait_read(const ScenarioStep& step, const std::string& name) {
  SG_TRY(auto* srv, ensure_server());
  SG_TRY(auto* st, peer(name, step));
  // The program's end of this peer's connection holds nothing unread, and everything the peer
  // sent has arrived there (acknowledged).
  const uint16_t server_port = srv->endpoint().port, client_port = st->peer->local().port;
  uint64_t unread = 0;
  bool read = wait_until(ctx_.deadline(step.within_ms), [&] {
    auto rows = net::tcp_table(::getpid());
    const auto* row = net::connection_row(rows, server_port, client_port);
    if (!row) return false;
    unread = row->rx_queue;
    return unread == 0 && st->peer->unacked() == 0;
  });
  if (read) return {};
  ctx_.evidence()["peer"] = name;
  ctx_.evidence()["unread_by_program"] = unread;
  return failed("the program did not read what " + name + " sent: " + format_bytes(unread) + " still wait in its socket " +
                ctx_.human(step.within_ms) + " later");
}

Step<void> ScenarioRun::wait_blocked_in_write(const ScenarioStep& step) {
  SG_TRY(auto* srv, ensure_server());
  // A task of the program asleep inside write()/send() (or poll for a writable socket).
  std::string where;
  bool blocked = wait_until(ctx_.deadline(step.within_ms), [&] {
    for (const auto& t : net::blocked_calls(net::process_tree(srv->pid()))) {
      if (t.asleep() && net::call_kind(t.call.nr) == net::CallKind::write) {
        where = "process " + std::to_string(t.pid) + " asleep in " + syscall_label(t.call.nr);
        return true;
      }
    }
    return false;
  });
  if (blocked) {
    ctx_.trace().add("harness", "blocked", where);
    return {};
  }
  return failed("the program was never seen blocked in a write within " + ctx_.human(step.within_ms));
}

}  // namespace sockgrade::checks
