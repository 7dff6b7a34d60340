// concurrency: simultaneous clients, a stalled client blocks nobody, connection bursts without
// crosstalk, the required model (fork/thread/select) observed through /proc, children reaped,
// the parent's copies of connections closed, threads and memory reclaimed.
//
// Races (the &connfd race, a shared buffer, a SIGCHLD handler that reaps once) show up in some
// runs only (BRIEF §9): the scenarios are shaped to provoke them (bursts, pieces interleaved
// across clients, simultaneous disconnects) and repeated within the check's deadline.

#include <algorithm>
#include <map>

#include "checks/catalogue.hpp"
#include "checks/concurrency_burst.hpp"
#include "checks/server_tree.hpp"
#include "checks/udp_scenarios.hpp"
#include "core/bytes.hpp"
#include "core/strings.hpp"
#include "core/wait.hpp"
#include "grading/context.hpp"
#include "grading/server_under_test.hpp"
#include "grading/starvation.hpp"
#include "grading/verify.hpp"
#include "net/listen_queue.hpp"
#include "net/observe.hpp"

namespace sockgrade::checks {
namespace {

// The lab's required model, as the "model" parameter numbers it: the values of its "choices" in
// labs/checks/concurrency.json.
enum Model : int64_t { kFork = 1, kThread = 2, kSelect = 3 };

std::string model_name(int64_t m) {
  switch (m) {
    case kFork: return "one fork() per client";
    case kThread: return "one thread per client";
    default: return "one thread of one process (select/poll/epoll)";
  }
}

// Connects `n` clients one after the other, each greeting the server with a round trip before
// the next connects (so that a worker that has yet to pick up its connection cannot meet the
// next accept(): that race is the burst check's, not every check's). All are left open; a
// failure names how many were already being served (an iterative server answers only the first).
Step<std::vector<net::Peer>> connect_each_greeting(Context& ctx, int n, Rng& rng, const std::string& prefix,
                                                   const std::string& scene) {
  std::vector<net::Peer> peers;
  peers.reserve(static_cast<std::size_t>(n));
  for (int i = 1; i <= n; ++i) {
    std::string before = scene + (i == 1 ? std::string("the first client connected, then ")
                                         : plural(i - 1, "client was", "clients were") +
                                               " connected and had been answered, then ");
    SG_TRY(auto p, in_context(ctx.connect(prefix + std::to_string(i)), before));
    auto r = round_trip(ctx, p, p.name() + " says hello: " + rng.text(rng.between(8, 40)) + "\n", 2000);
    if (!r) {
      note_waiting(ctx);
      std::string after;
      if (r.error().status == Status::timeout && i > 1) {
        after = " — the clients before it stayed connected and the server did not answer a new one: it serves "
                "one client at a time (an iterative server?)";
      }
      return unexpected(in_context(std::move(r), before, after).error());
    }
    peers.push_back(std::move(p));
  }
  return peers;
}

// One round trip on each of `peers` in turn while all of them stay connected; a failure names
// how many were served first (an iterative server answers the first and no other).
Step<void> round_trip_each(Context& ctx, std::vector<net::Peer>& peers, Rng& rng, const std::string& scene) {
  for (std::size_t i = 0; i < peers.size(); ++i) {
    std::string msg = peers[i].name() + ": " + rng.text(rng.between(8, 48)) + "\n";
    auto r = round_trip(ctx, peers[i], msg, 2000);
    if (!r) {
      std::string after;
      if (r.error().status == Status::timeout && i > 0) {
        after = " — " + plural(static_cast<int>(i), "client was", "clients were") +
                " answered and the next one not, while all stayed connected: the server serves one client at a time";
      }
      return in_context(std::move(r), scene, after);
    }
  }
  return {};
}

Outcome simultaneous_clients(Context& ctx) {
  int clients = static_cast<int>(ctx.param("clients"));
  int rounds = static_cast<int>(ctx.param("rounds"));
  auto steps = [&]() -> Step<void> {
    SG_CHECK(ctx.start_server());
    auto rng = ctx.rng("messages");
    SG_TRY(auto peers, connect_each_greeting(ctx, clients, rng, "client#", ""));
    // Round trips interleaved across the connected clients: client#1, #2, ... #N, then again.
    // One at a time, so that this check is about being served while others are connected;
    // simultaneous activity is the burst check's.
    for (int r = 1; r <= rounds; ++r) {
      SG_CHECK(round_trip_each(ctx, peers, rng,
                               std::to_string(clients) + " clients connected at once, round " + std::to_string(r) +
                                   " of " + std::to_string(rounds) + " of round trips across them: "));
    }
    return {};
  };
  return conclude(steps(), std::to_string(clients) + " clients connected at once, " + std::to_string(rounds) +
                               " interleaved round trips each, every answer exact");
}

// The listening socket's accept queue is empty: every connection made so far was accepted.
bool accept_queue_empty(ServerUnderTest& srv) {
  for (const auto& row : net::tcp_table(srv.pid())) {
    if (row.state == net::kTcpListen && row.inode == srv.listener().inode) return row.rx_queue == 0;
  }
  return false;
}

Outcome stalled_client(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    SG_TRY(auto* srv, ctx.start_server());
    // Half a line first: its echo shows that its worker runs (an echo server answers what it
    // read, it does not wait for the end of a line).
    SG_TRY(auto half, ctx.connect("half-message-client"));
    const std::string first = "the first half of a line, the rest com";
    const std::string second = "es later\n";
    SG_CHECK(expect_sent(ctx, half.name(), first.size(), half.send(first, ctx.deadline(2000))));
    auto got_first = half.receive(first.size(), ctx.deadline(2000));
    SG_CHECK(in_context(expect_echo(ctx, half.name(), first, got_first),
                        "half-message-client sent half a line (no newline yet): ",
                        " — echo what read() returned at once; TCP has no lines, only bytes"));
    SG_TRY(auto silent, ctx.connect("silent-client"));
    if (!wait_until(ctx.deadline(1500), [&] { return accept_queue_empty(*srv); })) {
      SG_CHECK(srv->expect_alive("while silent-client waited to be accepted"));
      return timed_out("half-message-client sent half a line and waits for the rest; silent-client then connected "
                       "and was not accepted for " + ctx.human(1500) +
                       ": the server is stuck with half-message-client (a blocking read on one connection)");
    }
    // Its worker may not have picked the connection up yet (a thread that has yet to read its
    // argument): wait until every task of the server is blocked in a call, so that the next
    // connect cannot meet that race — provoking it is the burst check's job, not this one's.
    wait_until(ctx.deadline(500), [&] {
      auto calls = net::blocked_syscalls(net::process_tree(srv->pid()));
      return !calls.empty() && std::none_of(calls.begin(), calls.end(), [](long nr) { return nr < 0; });
    });
    const std::string scene =
        "silent-client is connected and sends nothing, half-message-client sent half a line and waits; ";
    const std::string why = " — the server waits for one client while others are ready (a blocking read on one "
                            "connection, or a whole-line read)";
    auto rng = ctx.rng("messages");
    for (int i = 1; i <= 3; ++i) {
      std::string who = "client#" + std::to_string(i);
      SG_CHECK(in_context(serve_one_client(ctx, who, who + ": " + rng.text(24) + "\n", 2000), scene, why));
    }
    // Both stalled clients are then served as well.
    SG_CHECK(in_context(round_trip(ctx, half, second, 2000), "after three other clients were served, "
                        "half-message-client sent the rest of its line: "));
    SG_CHECK(in_context(round_trip(ctx, silent, "silent-client speaks at last\n", 2000),
                        "after three other clients were served: "));
    return {};
  };
  return conclude(steps(), "a silent client and one that sent half a line held up nobody; 3 other clients were "
                           "served meanwhile, then both of them");
}

Outcome model(Context& ctx) {
  int64_t want = ctx.param("model");
  int clients = static_cast<int>(ctx.param("clients"));
  net::TreeSnapshot seen;
  auto steps = [&]() -> Step<void> {
    SG_TRY(auto* srv, ctx.start_server());
    auto before = srv->snapshot();
    auto rng = ctx.rng("messages");
    SG_TRY(auto peers, connect_each_greeting(ctx, clients, rng, "client#",
                                             "this lab asks for " + model_name(want) + "; "));
    // Every client has had an answer, so its worker exists; the kernel's view may lag a moment.
    auto satisfied = [&](const net::TreeSnapshot& s) {
      switch (want) {
        case kFork: return s.processes - 1 >= clients;
        case kThread: return s.processes == 1 && s.root_threads >= clients + 1;
        default: return s.processes == 1 && s.threads == 1;
      }
    };
    wait_until(ctx.deadline(want == kSelect ? 200 : 1000), [&] {
      seen = srv->snapshot();
      return satisfied(seen);
    });
    ctx.evidence()["observed"] = {{"processes", seen.processes}, {"threads", seen.threads},
                                  {"root_threads", seen.root_threads}, {"before_clients", describe_tree(before)},
                                  {"with_clients", describe_tree(seen)}};
    if (satisfied(seen)) return {};
    std::string head = std::to_string(clients) + " clients were served concurrently, but ";
    std::string tree = " (with them connected, /proc showed " + describe_tree(seen) + ")";
    switch (want) {
      case kFork:
        if (seen.processes == 1) return failed(head + "no child processes were seen" + tree + ": this lab asks for one fork() per client");
        return failed(head + "only " + plural(seen.processes - 1, "child process was", "child processes were") +
                      " seen" + tree + ": this lab asks for one child process per client");
      case kThread:
        if (seen.processes > 1) return failed(head + "by child processes, not threads" + tree + ": this lab asks for one pthread per client");
        return failed(head + "no thread per client was seen" + tree + ": this lab asks for one pthread per client");
      default:
        return failed(head + (seen.processes > 1 ? "by child processes" : "by several threads") + tree +
                      ": this lab asks for a single thread of a single process multiplexing every client with "
                      "select/poll/epoll");
    }
  };
  auto r = steps();
  return conclude(std::move(r), std::to_string(clients) + " clients served concurrently by " + model_name(want) +
                                    " (/proc showed " + describe_tree(seen) + ")");
}

Outcome children_reaped(Context& ctx) {
  int sequential = static_cast<int>(ctx.param("clients"));
  int burst_size = static_cast<int>(ctx.param("burst"));
  int rounds = static_cast<int>(ctx.param("rounds"));
  auto steps = [&]() -> Step<void> {
    SG_TRY(auto* srv, ctx.start_server());
    auto rng = ctx.rng("messages");
    for (int i = 1; i <= sequential; ++i) {
      std::string who = "client#" + std::to_string(i);
      SG_CHECK(serve_one_client(ctx, who, who + ": " + rng.text(20) + "\n"));
    }
    SG_CHECK(children_gone(ctx, *srv,
                           std::to_string(sequential) + " clients came and left one after the other; ",
                           ": the server never reaps its children (a SIGCHLD handler calling waitpid(), or wait() "
                           "after each child)"));
    // Children that exit together raise SIGCHLD once or a few times: one waitpid() per signal
    // leaves zombies behind. Disconnect a burst at once, several times.
    for (int r = 1; r <= rounds; ++r) {
      SG_TRY(auto peers, connect_each_greeting(ctx, burst_size, rng, "r" + std::to_string(r) + "-client#",
                                               "round " + std::to_string(r) + ": "));
      ctx.trace().add("harness", "disconnect", "all " + std::to_string(burst_size) + " clients close at once");
      for (auto& p : peers) p.close();
      SG_CHECK(children_gone(ctx, *srv,
                             "round " + std::to_string(r) + ": " + std::to_string(burst_size) +
                                 " connected clients disconnected at the same moment; ",
                             ": the SIGCHLD handler reaps one child per signal, and signals that arrive together "
                             "are merged into one — loop: while (waitpid(-1, NULL, WNOHANG) > 0)"));
    }
    return {};
  };
  return conclude(steps(), "no zombie and no leftover child after " + std::to_string(sequential) +
                               " clients one by one and " + std::to_string(rounds) + " simultaneous disconnects of " +
                               std::to_string(burst_size) + " clients");
}

Outcome parent_closes(Context& ctx) {
  int clients = static_cast<int>(ctx.param("clients"));
  constexpr int kSlack = 2;
  auto steps = [&]() -> Step<void> {
    SG_TRY(auto* srv, ctx.start_server());
    int baseline = srv->snapshot().root_fds;
    if (baseline < 0) return harness_error("cannot read the server's descriptor table");
    ctx.evidence()["parent_fds_before"] = baseline;
    auto rng = ctx.rng("messages");
    for (int i = 1; i <= clients; ++i) {
      std::string who = "client#" + std::to_string(i);
      SG_TRY(auto peer, ctx.connect(who));
      SG_CHECK(round_trip(ctx, peer, who + ": " + rng.text(20) + "\n"));
      peer.half_close();
      auto rest = peer.receive_until_eof(ctx.deadline(1500));
      if (rest.end == net::End::timeout && rest.bytes.empty()) {
        auto s = srv->snapshot();
        ctx.evidence()["server_tree"] = describe_tree(s);
        ctx.evidence()["parent_fds"] = s.root_fds;
        SG_CHECK(srv->expect_alive("after " + who + " half-closed"));
        return timed_out(who + " got its echo and half-closed (shutdown(SHUT_WR)), but its connection never "
                               "closed (no EOF for " + ctx.human(1500) + "; the server now has " +
                         describe_tree(s) + ", its parent holds " + std::to_string(s.root_fds) +
                         " descriptors): a connection ends only when its LAST descriptor is closed — the parent must "
                         "close(connfd) right after fork(), the child after serving");
      }
      SG_CHECK(expect_eof(ctx, who, rest, "after its half-close"));
    }
    int now = -1;
    bool flat = wait_until(ctx.deadline(1500), [&] {
      now = srv->snapshot().root_fds;
      return now >= 0 && now <= baseline + kSlack;
    });
    ctx.evidence()["parent_fds_after"] = now;
    if (!flat) {
      SG_CHECK(srv->expect_alive("after the clients left"));
      return failed("the parent held " + std::to_string(baseline) + " descriptors before " + std::to_string(clients) +
                    " clients and " + std::to_string(now) + " after they had all been served and closed: it keeps "
                    "its copy of each connection (close(connfd) in the parent after fork())");
    }
    return {};
  };
  return conclude(steps(), std::to_string(clients) + " clients each saw EOF right after their half-close; the "
                               "parent's descriptor count stayed flat");
}

// What resources_reclaimed saw: the server at the start, after the first batch of clients (the
// baseline) and after all of them.
struct Reclaimed {
  int batch = 0;
  int served = 0;
  int threads_at_start = 0;
  net::TreeSnapshot tree;  // the last look at the server's processes and threads
  bool settled = false;    // back to one process, no zombie, no more threads than at the start
  int stacks_before = 0, stacks_after = 0;
  int64_t rss_before = 0, rss_after = 0;
};

// A batch of clients connected at once, each greeted, then all closed.
Step<void> serve_batch(Context& ctx, Rng& rng, Reclaimed& m) {
  const int batch = m.batch, served = m.served;
  std::string scene = (served == 0 ? std::string("in the first batch of ")
                                   : "after " + std::to_string(served) + " clients, in batches of ") +
                      std::to_string(batch) + " connected at once: ";
  SG_TRY(auto peers,
         connect_each_greeting(ctx, batch, rng, "batch" + std::to_string(served / batch + 1) + "-client#", scene));
  for (auto& p : peers) p.close();
  m.served += batch;
  return {};
}

bool back_to_start(const ServerUnderTest& srv, Reclaimed& m) {
  m.tree = srv.snapshot();
  return m.tree.processes == 1 && m.tree.zombies == 0 && m.tree.root_threads <= m.threads_at_start;
}

void record_reclaimed(Context& ctx, const Reclaimed& m) {
  auto& ev = ctx.evidence();
  ev["thread_stacks_after_first_batch"] = m.stacks_before;
  ev["thread_stacks_after"] = m.stacks_after;
  ev["rss_kib_after_first_batch"] = m.rss_before;
  ev["rss_kib_after"] = m.rss_after;
  ev["threads_at_start"] = m.threads_at_start;
  ev["after_clients_left"] = describe_tree(m.tree);
}

Step<void> judge_reclaimed(const Reclaimed& m) {
  constexpr int64_t kRssSlackKib = 64 * 1024;
  std::string head = "after " + std::to_string(m.served) + " clients had come and gone (" + std::to_string(m.batch) +
                     " at a time), ";
  if (!m.settled) {
    if (m.tree.root_threads > m.threads_at_start) {
      return failed(head + "the server still runs " + plural(m.tree.root_threads, "thread", "threads") + " (" +
                    std::to_string(m.threads_at_start) + " before any client): client threads do not end when their "
                    "client leaves");
    }
    return failed(head + "the server still has " + describe_tree(m.tree) +
                  ": workers are not reclaimed when their clients leave");
  }
  // Some stacks may stay cached or belong to threads still unwinding: up to a batch's worth.
  if (m.stacks_before >= 0 && m.stacks_after > m.stacks_before + m.batch) {
    return failed(head + "every client thread has ended, yet the server still maps " + std::to_string(m.stacks_after) +
                  " thread stacks (" + std::to_string(m.stacks_before) + " after the first " + std::to_string(m.batch) +
                  " clients): threads that are neither joined nor detached keep their stack (8 MiB of address "
                  "space each) after they end — pthread_detach() them, or pthread_join() them");
  }
  if (m.rss_before > 0 && m.rss_after > m.rss_before + kRssSlackKib) {
    return failed(head + "the server's resident memory grew from " + std::to_string(m.rss_before / 1024) + " MiB to " +
                  std::to_string(m.rss_after / 1024) + " MiB (about " +
                  std::to_string((m.rss_after - m.rss_before) / (m.served - m.batch)) +
                  " KiB per client): memory allocated for each client is never freed");
  }
  return {};
}

Outcome resources_reclaimed(Context& ctx) {
  int clients = static_cast<int>(ctx.param("clients"));
  int batch = static_cast<int>(ctx.param("batch"));
  auto steps = [&]() -> Step<void> {
    SG_TRY(auto* srv, ctx.start_server());
    Reclaimed m;
    m.batch = batch;
    m.threads_at_start = srv->snapshot().root_threads;
    auto rng = ctx.rng("messages");
    auto back = [&] { return back_to_start(*srv, m); };
    // The first batch sets the baseline: allocators keep caches once they have grown.
    SG_CHECK(serve_batch(ctx, rng, m));
    wait_until(ctx.deadline(1500), back);
    m.stacks_before = net::thread_stacks(srv->pid());
    m.rss_before = net::status_kib(srv->pid(), "VmRSS");
    while (m.served < clients) SG_CHECK(serve_batch(ctx, rng, m));
    m.settled = wait_until(ctx.deadline(2000), back);
    m.stacks_after = net::thread_stacks(srv->pid());
    m.rss_after = net::status_kib(srv->pid(), "VmRSS");
    record_reclaimed(ctx, m);
    SG_CHECK(srv->expect_alive("after " + std::to_string(m.served) + " clients"));
    return judge_reclaimed(m);
  };
  return conclude(steps(), std::to_string(clients) + " clients later, processes, threads, thread stacks and "
                                                     "resident memory were back to their baseline");
}

// The udp-echo-server lab: replies go to each datagram's own sender.

Outcome udp_several_senders(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    SG_CHECK(ctx.start_server());
    std::vector<UdpPeer> peers;
    for (int i = 1; i <= 4; ++i) {
      SG_TRY(auto p, UdpPeer::open(ctx, "client#" + std::to_string(i)));
      peers.push_back(std::move(p));
    }
    for (int round = 1; round <= 3; ++round) {
      std::vector<std::string> sent;
      for (auto& p : peers) {
        sent.push_back(p.name() + ", round " + std::to_string(round) + "\n");
        SG_CHECK(p.send(sent.back()));
      }
      for (std::size_t i = 0; i < peers.size(); ++i) {
        auto got = peers[i].receive(ctx.deadline(2000));
        if (got && *got == sent[i]) continue;
        ctx.evidence()["round"] = round;
        ctx.evidence()["sent"] = bytes_evidence(sent[i]);
        std::string also;
        for (std::size_t j = 0; j < peers.size(); ++j) {
          if (j == i) continue;
          while (auto extra = peers[j].receive(Deadline::after(Millis(0)))) {
            if (*extra == sent[i]) also = peers[j].name();
          }
        }
        std::string head = "4 clients sent a datagram each (round " + std::to_string(round) + "): ";
        if (!also.empty()) {
          return failed(head + "the reply to " + peers[i].name() + " went to " + also +
                        ": reply to the address recvfrom() returned for each datagram, not to a saved one");
        }
        if (!got) {
          SG_CHECK(ctx.server().expect_alive("while 4 clients were sending"));
          return timed_out(head + peers[i].name() + " got no reply within " + ctx.human(2000));
        }
        ctx.evidence()["received"] = bytes_evidence(*got);
        return failed(head + peers[i].name() + " got '" + escape_preview(*got, 40) + "' instead of its own datagram");
      }
    }
    return {};
  };
  return conclude(steps(), "4 clients sending at once each got exactly their own datagrams back, 3 rounds");
}

}  // namespace

// This file's checks: each check described in labs/checks/concurrency.json runs the function named
// after its id (concurrency.simultaneous-clients: simultaneous_clients()). The build writes
// concurrency_checks(), the list that pairs them (checks/list_functions.cmake).
#include "checks/concurrency_checks.inc"

}  // namespace sockgrade::checks
