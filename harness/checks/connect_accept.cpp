// connect-accept: listens where it should, sequential clients, backlog while busy, restart
// on the same port right after connections closed (SO_REUSEADDR); a UNIX-domain server's socket
// file; a client connects where its argv says, and reports a refused connection.
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <sstream>
#include <utility>

#include "checks/catalogue.hpp"
#include "checks/server_restart.hpp"
#include "checks/udp_scenarios.hpp"
#include "core/bytes.hpp"
#include "core/fd.hpp"
#include "core/strings.hpp"
#include "core/wait.hpp"
#include "grading/client_session.hpp"
#include "grading/context.hpp"
#include "grading/server_under_test.hpp"
#include "grading/verify.hpp"
#include "net/listen_queue.hpp"
#include "net/observe.hpp"

namespace sockgrade::checks {
namespace {

// net.ipv4.ip_local_port_range of the harness's (the cell's) network namespace.
std::optional<std::pair<int, int>> ephemeral_range() {
  auto text = net::read_proc_file("/proc/sys/net/ipv4/ip_local_port_range");
  if (!text) return std::nullopt;
  std::istringstream in(*text);
  int lo = 0, hi = 0;
  if (!(in >> lo >> hi) || lo <= 0 || hi < lo) return std::nullopt;
  return std::make_pair(lo, hi);
}

Outcome listens_on_requested_port(Context& ctx) {
  auto started = ctx.start_server();
  if (!started) return std::move(started).error();
  auto& srv = **started;
  uint16_t asked = srv.requested_port();
  auto all = srv.listeners();
  nlohmann::json seen = nlohmann::json::array();
  for (const auto& l : all) seen.push_back(l.local.to_string());
  ctx.evidence()["requested_port"] = asked;
  ctx.evidence()["listening_at"] = seen;  // "listening" is the engine's {requested_port, observed}
  bool on_asked = std::any_of(all.begin(), all.end(), [&](const net::Listener& l) { return l.local.port == asked; });
  if (on_asked) return Outcome::pass("listens on port " + std::to_string(asked) + " as asked on its command line");
  std::string where = srv.listener().local.to_string();
  uint16_t got = srv.listener().local.port;
  std::string head = "listens on " + where + ", asked for " + std::to_string(asked) + " (argv[1])";
  if (got == ctx.lab().run.default_port) {
    return Outcome::fail(head + ": the program ignores its PORT argument and uses the default port hard-coded");
  }
  // listen() on a socket that was never bound picks a port in the ephemeral range: the mark of
  // a bind() that failed unchecked (a wrong address length, a taken port).
  if (auto range = ephemeral_range(); range && got >= range->first && got <= range->second) {
    ctx.evidence()["proof"] = "port " + std::to_string(got) + " is in net.ipv4.ip_local_port_range " +
                              std::to_string(range->first) + "-" + std::to_string(range->second) + ", not the requested " +
                              std::to_string(asked);
    return Outcome::fail(head + ": the port is one the kernel picks when listen() is called on an unbound socket, "
                                "so bind() apparently failed and its error went unchecked");
  }
  return Outcome::fail(head + ": the program ignores its PORT argument");
}

Outcome sequential_clients(Context& ctx) {
  int clients = static_cast<int>(ctx.param("clients"));
  auto steps = [&]() -> Step<void> {
    SG_TRY(auto* srv, ctx.start_server());
    auto rng = ctx.rng("messages");
    for (int i = 1; i <= clients; ++i) {
      std::string who = "client#" + std::to_string(i);
      std::string msg = who + " says " + rng.text(rng.between(4, 60)) + "\n";
      ctx.evidence()["clients_served"] = i - 1;
      SG_CHECK(in_context(serve_one_client(ctx, who, msg),
                          std::to_string(i - 1) + " clients were served one after the other, then "));
      SG_CHECK(srv->expect_alive("after serving " + who));
    }
    return {};
  };
  return conclude(steps(), std::to_string(clients) + " clients, one after the other, each got exactly its own echo");
}

Outcome queued_while_busy(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    SG_TRY(auto* srv, ctx.start_server());
    (void)srv;
    SG_TRY(auto first, ctx.connect("client#1"));
    SG_CHECK(round_trip(ctx, first, "first client, still connected\n"));
    // These wait in the listen backlog while an iterative server is busy with client#1.
    SG_TRY(auto second, ctx.connect("client#2"));
    SG_TRY(auto third, ctx.connect("client#3"));
    const std::string m2 = "second client, queued\n", m3 = "third client, queued\n";
    SG_CHECK(expect_sent(ctx, "client#2", m2.size(), second.send(m2, ctx.deadline(2000))));
    SG_CHECK(expect_sent(ctx, "client#3", m3.size(), third.send(m3, ctx.deadline(2000))));
    first.close();
    auto got2 = second.receive(m2.size(), ctx.deadline(3000));
    SG_CHECK(in_context(expect_echo(ctx, "client#2", m2, got2),
                        "client#2 connected and sent its line while client#1 was being served; after client#1 left: "));
    second.close();
    auto got3 = third.receive(m3.size(), ctx.deadline(3000));
    SG_CHECK(in_context(expect_echo(ctx, "client#3", m3, got3),
                        "client#3 waited in the backlog behind two clients; after they left: "));
    return {};
  };
  return conclude(steps(), "two clients that connected while the server was busy were served, in order, once it was free");
}

// The server's side closes first (it is killed while its client is connected), so its port is
// left in TIME_WAIT (BRIEF §9); a new bind() to it fails unless SO_REUSEADDR is set.
Outcome restart_reuseaddr(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    SG_TRY(auto* first, ctx.start_server());
    uint16_t port = first->listener().local.port;
    net::Listener old = first->listener();
    SG_TRY(auto client, ctx.connect("client#1"));
    SG_CHECK(round_trip(ctx, client, "a line before the restart\n"));
    first->program().kill();
    ctx.trace().add("harness", "kill", "stopped the server (SIGKILL) while client#1 was connected");
    auto eof = client.receive_until_eof(ctx.deadline(2000));
    client.close();
    // A process of the old server that escaped the kill holds the listening socket (and maybe
    // client#1's connection): proven and reported first; otherwise an open connection is ours.
    SG_CHECK(listening_socket_released(ctx, old));
    if (eof.end == net::End::timeout) return harness_error("the killed server's connection did not close");

    // Wait until the kernel shows the server's side of that connection in TIME_WAIT.
    bool time_wait = wait_until(ctx.deadline(2000), [&] {
      auto rows = net::tcp_table(::getpid());
      return std::any_of(rows.begin(), rows.end(), [&](const net::SocketRow& row) {
        return row.local.port == port && row.state == net::kTcpTimeWait;
      });
    });
    if (!time_wait) return harness_error("could not observe TIME_WAIT on port " + std::to_string(port));
    ctx.trace().add("harness", "time-wait", "port " + std::to_string(port) + " is in TIME_WAIT; restarting the server");
    ctx.evidence()["time_wait_port"] = port;

    SG_TRY(auto* second, start_again_on(ctx, port));
    (void)second;
    SG_CHECK(serve_one_client(ctx, "client#2", "a line after the restart\n"));
    return {};
  };
  return conclude(steps(), "restarted on the same port while it was in TIME_WAIT and served a client");
}

// Opens `n` connections to `to` at once (non-blocking connects, no wait between them), waits
// until each has connected or `deadline`, and closes them: a burst the accept queue must hold.
int connect_burst(const net::Endpoint& to, int n, Deadline deadline) {
  std::vector<Fd> socks;
  sockaddr_storage addr{};
  auto converted = net::to_sockaddr(to, addr);
  if (!converted) return 0;
  socklen_t len = *converted;
  for (int i = 0; i < n; ++i) {
    Fd fd(::socket(to.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) break;
    ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), len);
    socks.push_back(std::move(fd));
  }
  std::vector<pollfd> pfds;
  for (auto& fd : socks) pfds.push_back({fd.get(), POLLOUT, 0});
  int connected = 0;
  while (!pfds.empty() && !deadline.expired()) {
    if (::poll(pfds.data(), pfds.size(), deadline.poll_timeout_ms()) <= 0) continue;
    for (std::size_t i = 0; i < pfds.size();) {
      if (pfds[i].revents == 0) {
        ++i;
        continue;
      }
      if ((pfds[i].revents & (POLLERR | POLLHUP)) == 0) ++connected;
      pfds[i] = pfds.back();
      pfds.pop_back();
    }
  }
  return connected;
}

// The backlog passed to listen() is read from the kernel (sock_diag, as `ss -lt` shows it), so
// the verdict does not depend on timing; a burst of connects shows what a small one does, with
// the network namespace's ListenOverflows/ListenDrops as proof (evidence only: they vary).
Outcome listen_backlog(Context& ctx) {
  int required = static_cast<int>(ctx.param("backlog"));
  int clients = static_cast<int>(ctx.param("clients"));
  auto started = ctx.start_server();
  if (!started) return std::move(started).error();
  auto& srv = **started;
  auto queue = net::listen_queue(srv.listener().inode);
  if (!queue) return Outcome::error("could not read the listening socket's queue (sock_diag)");
  auto& ev = ctx.evidence();
  ev["listen_backlog"] = queue->backlog;
  ev["required_backlog"] = required;
  auto proof = nlohmann::json::array();
  proof.push_back("sock_diag: the listening socket on port " + std::to_string(srv.listener().local.port) +
                  " has backlog " + std::to_string(queue->backlog));
  // Host-wide counters (no namespace of our own) could be anyone's: used only in a private one.
  auto before = ctx.settings().private_network ? net::listen_counters() : std::nullopt;
  int connected = connect_burst(srv.endpoint(), clients, ctx.deadline(1500));
  auto after = before ? net::listen_counters() : std::nullopt;
  ev["burst_connected"] = connected;
  if (before && after) {
    uint64_t overflows = after->overflows - before->overflows, drops = after->drops - before->drops;
    ev["listen_overflows"] = overflows;
    ev["listen_drops"] = drops;
    if (overflows > 0 || drops > 0) {
      proof.push_back("netns TcpExt ListenOverflows +" + std::to_string(overflows) + ", ListenDrops +" +
                      std::to_string(drops) + " during a burst of " + std::to_string(clients) + " connects");
    }
  }
  if (static_cast<int>(queue->backlog) >= required) {
    return Outcome::pass("listen() was given a backlog of " + std::to_string(queue->backlog) + ", at least the " +
                         std::to_string(required) + " the contract asks for");
  }
  ev["proof"] = proof;
  return Outcome::fail("the listening socket's backlog is " + std::to_string(queue->backlog) +
                       " (the value passed to listen()), below the " + std::to_string(required) +
                       " the contract asks for: when " + std::to_string(clients) +
                       " clients connect at once, the kernel drops the connection attempts that find the accept "
                       "queue full");
}

// The unix-echo-server lab: what is particular to a socket that is a file.

Outcome unix_socket_path(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    SG_TRY(auto* srv, ctx.start_server());
    const auto& got = srv->listener().local.address;
    ctx.evidence()["asked_path"] = ctx.socket_path();
    ctx.evidence()["listening_at"] = got;
    if (got != ctx.socket_path()) {
      return failed("the server was started as ./server " + ctx.socket_path() + " but listens at '" + got +
                    "': bind the path given in argv[1]");
    }
    struct stat st {};
    if (::lstat(ctx.socket_path().c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) {
      return failed("the server listens at " + ctx.socket_path() + " but no socket file is there (was it unlinked "
                    "after bind()? clients find the server through that file)");
    }
    return serve_one_client(ctx, "client", "through the socket file\n");
  };
  return conclude(steps(), "the socket appeared at the path given in argv and answered there");
}

// A socket file left by a server that was killed: bind() fails with EADDRINUSE until it is
// unlinked. Nothing listens on it (a connect() there is refused).
Step<void> leave_stale_socket(Context& ctx) {
  const auto path = ctx.socket_path();
  Fd s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (!s || path.size() >= sizeof a.sun_path) return harness_error("cannot make a UNIX socket for " + path);
  std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
  ::unlink(path.c_str());
  if (::bind(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    return harness_error("cannot leave a stale socket at " + path + ": " + std::strerror(errno));
  }
  // The file belongs to the program's user, as if an earlier run of it had left it.
  if (const auto& id = ctx.settings().identity) {
    if (::chown(path.c_str(), id->uid, id->gid) != 0) return harness_error("cannot chown " + path);
  }
  s.reset();
  ctx.trace().add("harness", "stale-socket", path + " left by a server that is gone (nothing listens on it)");
  return {};
}

Outcome unix_stale_socket(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    SG_CHECK(leave_stale_socket(ctx));
    SG_TRY(auto* srv, in_context(ctx.start_server(),
                                 "a stale socket file was left at " + ctx.socket_path() +
                                     " (as a killed server leaves it): "));
    (void)srv;
    return serve_one_client(ctx, "client", "after a stale socket file\n");
  };
  return conclude(steps(), "the stale socket file was replaced: the server listened at the path and answered");
}

// The client labs: the harness plays the server.

Outcome client_argv(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    ClientSession s(ctx, {});
    SG_CHECK(s.listen());
    SG_TRY(auto* c, s.start());
    c->feed("which port?\n");
    s.run([&] { return s.accepted(); }, ctx.deadline(3000));
    std::string started = "started as ./client 127.0.0.1 " + std::to_string(s.requested_port()) + ": ";
    if (!s.accepted()) return never_connected(ctx, s, started);
    s.record_evidence();
    if (s.port_used() == ctx.lab().run.default_port) {
      return failed(started + "the client connected to port " + std::to_string(s.port_used()) +
                    ", the contract's default, so it ignores the port given on its command line");
    }
    if (s.port_used() != s.requested_port()) {
      return failed(started + "the client first tried port " + std::to_string(s.port_used()) +
                    ", where nothing listened, and connected there when the harness listened on it too: it "
                    "hard-codes its port instead of taking it from argv[2]");
    }
    return {};
  };
  return conclude(steps(), "the client connected to the host and port given on its command line");
}

// A pass needs proof that the client tried: the namespace's counters, or (without a private
// namespace, where they are the host's) its socket seen waiting in SYN_SENT for the port given.
Step<void> expect_connect_attempt(Context& ctx, ClientSession& s, const std::string& held, const std::string& scene) {
  auto attempts = s.connect_attempts();
  std::string proof = attempts ? (attempts->opened > 0 ? attempts->proof : "") : held;
  if (!proof.empty()) {
    ctx.evidence()["proof"] = proof;
    return {};
  }
  if (attempts) return never_connected(ctx, s, scene);
  s.record_evidence();
  auto& c = s.client();
  std::string m = scene + "no socket of the client was seen connecting to port " + std::to_string(s.requested_port());
  if (c.status().running()) return timed_out(m + " and it is still running");
  c.program().finish_output(500);
  std::string said = trim(c.stderr_text());
  said = escape_preview(said.substr(0, said.find('\n')), 120);
  return failed(m + " before it " + c.fate_sentence() + (said.empty() ? "" : " after printing '" + said + "' on stderr"));
}

Outcome client_refused(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    ClientSession s(ctx, {});
    SG_CHECK(s.listen(false));
    SG_CHECK(s.start());
    const std::string scene = "nothing listens on the port given (connect() fails with ECONNREFUSED): ";
    // Without a private namespace the client's SYN is held first (a second more).
    std::string held = s.release_held_connect(ctx.deadline(2000));
    // Stdin stays open and empty: a client must notice the failed connect() by itself, not
    // wait for input first.
    s.run_until_exit(ctx.deadline(held.empty() ? 2000 : 3500));
    SG_CHECK(expect_connect_attempt(ctx, s, held, scene));
    return expect_error_exit(ctx, s, scene);
  };
  auto r = steps();
  std::string said = ctx.evidence().value("stderr_first_line", "");
  return conclude(std::move(r), "the refused connection was reported on stderr ('" + said +
                                    "') with a non-zero exit status");
}

Outcome udp_client_argv(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    UdpWorld w(ctx, {});
    SG_CHECK(w.listen());
    SG_TRY(auto* c, w.start());
    c->feed("which port?\n");
    w.run([&] { return w.received() > 0; }, ctx.deadline(3000));
    std::string started = "the client was started as ./client 127.0.0.1 " + std::to_string(w.requested_port());
    if (w.received() == 0) return timed_out(started + " and sent no datagram within " + ctx.human(3000));
    if (w.port_used() != w.requested_port()) {
      return failed(started + " but sent to port " + std::to_string(w.port_used()) + " (the default): it ignores its arguments");
    }
    return {};
  };
  return conclude(steps(), "the client sent to the host and port given on its command line");
}

}  // namespace

// This file's checks: each check described in labs/checks/connect-accept.json runs the function
// named after its id (connect-accept.listens-on-requested-port: listens_on_requested_port()). The
// build writes connect_accept_checks(), the list that pairs them (checks/list_functions.cmake).
#include "checks/connect_accept_checks.inc"

}  // namespace sockgrade::checks
