// connect-accept: listens where it should, sequential clients, backlog while busy, restart
// on the same port right after connections closed (SO_REUSEADDR).
#include <unistd.h>

#include <algorithm>

#include "checks/context.hpp"
#include "checks/registry.hpp"
#include "checks/server_under_test.hpp"
#include "checks/verify.hpp"
#include "core/wait.hpp"
#include "net/observe.hpp"

namespace sockgrade::checks {
namespace {

Outcome listens_on_requested_port(Context& ctx) {
  auto started = ctx.start_server();
  if (!started) return std::move(started).error();
  auto& srv = **started;
  uint16_t asked = srv.requested_port();
  auto all = srv.listeners();
  nlohmann::json seen = nlohmann::json::array();
  for (const auto& l : all) seen.push_back(l.local.to_string());
  ctx.evidence()["requested_port"] = asked;
  ctx.evidence()["listening"] = seen;
  bool on_asked = std::any_of(all.begin(), all.end(), [&](const net::Listener& l) { return l.local.port == asked; });
  if (on_asked) return Outcome::pass("listens on port " + std::to_string(asked) + " as asked on its command line");
  std::string where = srv.listener().local.to_string();
  std::string msg = "listens on " + where + ", asked for " + std::to_string(asked) +
                    " (argv[1]): the program ignores its PORT argument";
  if (srv.listener().local.port == ctx.lab().run.default_port) msg += " and uses the default port hard-coded";
  return Outcome::fail(msg);
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
    SG_TRY(auto client, ctx.connect("client#1"));
    SG_CHECK(round_trip(ctx, client, "a line before the restart\n"));
    first->program().kill();
    ctx.trace().add("harness", "kill", "stopped the server (SIGKILL) while client#1 was connected");
    auto eof = client.receive_until_eof(ctx.deadline(2000));
    client.close();
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

    SG_TRY(auto* second, in_context(ctx.start_server(), "restarted right after its connections closed, ",
                                    " — port " + std::to_string(port) +
                                        " was in TIME_WAIT: set SO_REUSEADDR before bind()"));
    if (second->listener().local.port != port) {
      return failed("the restarted server listens on " + second->listener().local.to_string() + " instead of port " +
                    std::to_string(port));
    }
    SG_CHECK(serve_one_client(ctx, "client#2", "a line after the restart\n"));
    return {};
  };
  return conclude(steps(), "restarted on the same port while it was in TIME_WAIT and served a client");
}

}  // namespace

std::vector<CheckDef> connect_accept_checks() {
  return {
      {{"connect-accept.listens-on-requested-port", "connect-accept", "Listens on the port given on the command line",
        "`./server PORT` listens on PORT (the default port only when no argument is given).",
        "Parse argv[1] (strtol/atoi) and bind to htons(port); the grader, like any user, chooses the port.",
        "server", {}, 10000},
       listens_on_requested_port},
      {{"connect-accept.sequential-clients", "connect-accept", "Many clients one after the other are all served",
        "After a client leaves, the server accepts and serves the next one, for as long as it runs.",
        "Keep accept() in a loop and go back to it after closing each client's connection; do not exit "
        "or break out of the loop when one client is done.",
        "server", {{"clients", 50, 2, 1000, "number of clients"}}, 60000},
       sequential_clients},
      {{"connect-accept.queued-while-busy", "connect-accept", "Clients that connect while the server is busy are served later",
        "Connections wait in the listen backlog while the server serves another client, and are then served in turn.",
        "Call listen() with a backlog > 1 and accept() again after each client; a queued client has "
        "already connected and sent data, which the kernel holds for you.",
        "server", {}, 20000},
       queued_while_busy},
      {{"connect-accept.restart-reuseaddr", "connect-accept", "Restarts on the same port right after connections closed",
        "The server can be restarted immediately on its port, even while old connections are in TIME_WAIT.",
        "setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) before bind(): without it bind() "
        "fails with EADDRINUSE for about a minute after the server's side closed connections.",
        "server", {}, 20000},
       restart_reuseaddr},
  };
}

}  // namespace sockgrade::checks
