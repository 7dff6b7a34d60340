// concurrency.burst: `clients` connect in a burst and send their payloads in `pieces`, interleaved
// across clients, for `rounds` rounds. Crosstalk (a buffer shared between workers, &connfd read
// by the wrong thread) shows as bytes of another client; a client nobody serves as no echo. A
// listen backlog too small for the burst drops SYNs: that is connect-accept.listen-backlog's
// verdict, and the clients it cost are not judged here (the namespace's counters prove it).
#include "checks/concurrency_burst.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "checks/server_tree.hpp"
#include "core/bytes.hpp"
#include "core/wait.hpp"
#include "grading/context.hpp"
#include "grading/server_under_test.hpp"
#include "grading/starvation.hpp"
#include "grading/verify.hpp"
#include "net/listen_queue.hpp"
#include "net/observe.hpp"

namespace sockgrade::checks {
namespace {

using namespace grading;

// Connection attempts the listen queue dropped since a round began (TcpExtListenOverflows and
// ListenDrops). Without a namespace of our own the counters are the whole machine's: a rise
// counts as this server's only when its own backlog (sock_diag) is too small for the burst.
class ListenDrops {
 public:
  explicit ListenDrops(bool counters_are_ours)
      : before_(counters_are_ours ? net::listen_counters() : std::nullopt) {}
  std::pair<uint64_t, uint64_t> since_start() const {
    if (!before_) return {0, 0};
    auto now = net::listen_counters();
    if (!now) return {0, 0};
    return {now->overflows - before_->overflows, now->drops - before_->drops};
  }
  bool any() const {
    auto [overflows, drops] = since_start();
    return overflows > 0 || drops > 0;
  }
  void record(Context& ctx) const {
    auto [overflows, drops] = since_start();
    ctx.evidence()["listen_overflows"] = overflows;
    ctx.evidence()["listen_drops"] = drops;
  }

 private:
  std::optional<net::ListenCounters> before_;
};

// One round: its clients, what each sends, what each should have got back so far, and got.
struct Round {
  std::vector<net::Peer> peers;
  std::vector<std::string> payloads;
  std::vector<std::string> expected;
  std::vector<net::Received> got;
  bool connects_cut = false;  // the accept queue overflowed and the remaining connects failed
};

// How a round's clients came out.
struct Judgement {
  std::vector<std::string> exact, unserved, short_of, crossed;
  std::size_t first_bad = 0;
};

// Who sent `got`: the client whose payload contains the bytes around the first difference.
std::string whose_bytes(std::string_view got, std::size_t at, const Round& round, std::size_t self) {
  std::size_t len = std::min<std::size_t>(24, got.size() - at);
  if (len < 8) return {};
  auto probe = got.substr(at, len);
  for (std::size_t j = 0; j < round.payloads.size(); ++j) {
    if (j != self && round.payloads[j].find(probe) != std::string::npos) return round.peers[j].name();
  }
  return {};
}

Step<Round> connect_round(Context& ctx, int clients, const ListenDrops& drops, const std::string& scene) {
  Round round;
  for (int i = 1; i <= clients; ++i) {
    auto peer = ctx.connect("client#" + std::to_string(i), {}, 8000);
    if (!peer && !round.peers.empty() && drops.any()) {
      round.connects_cut = true;  // the rest were dropped at the full accept queue
      break;
    }
    if (!peer) return unexpected(in_context(std::move(peer), scene + "then ").error());
    round.peers.push_back(std::move(peer).value());
  }
  return round;
}

// In waves: piece k of every client, sent back to back (every worker becomes runnable at once),
// then the wave's echoes are awaited, which leaves both CPUs to the server's workers: they run
// truly at the same time, when workers that share state trample on each other. A wave that does
// not come back whole ends the round.
Step<void> send_in_waves(Context& ctx, Round& round, int pieces, const ListenDrops& drops, const std::string& scene) {
  auto cut = [&](std::size_t i, int k) {
    return round.payloads[i].size() * static_cast<std::size_t>(k) / static_cast<std::size_t>(pieces);
  };
  auto& peers = round.peers;
  round.got.assign(peers.size(), {});
  round.expected.assign(peers.size(), {});
  for (int k = 0; k < pieces; ++k) {
    // Each wave gets its own time (4 s, more while bytes come, up to 10 s): one deadline for
    // the whole round left the last waves of a round slowed by a loaded machine no time at
    // all, and a client whose echo had not begun to arrive at that instant was charged (seen:
    // child-no-exit short of its last piece). A server that stops serving still fails at its
    // first stuck wave.
    auto limit = ctx.deadline(drops.any() ? 16000 : 10000);
    auto deadline = limit.capped(ctx.ms(4000));
    for (std::size_t i = 0; i < peers.size(); ++i) {
      std::string_view piece = std::string_view(round.payloads[i]).substr(cut(i, k), cut(i, k + 1) - cut(i, k));
      auto sent = peers[i].send(piece, ctx.deadline(2000));
      SG_CHECK(in_context(expect_sent(ctx, peers[i].name(), piece.size(), sent), scene));
      round.expected[i] = round.payloads[i].substr(0, cut(i, k + 1));
    }
    bool whole = true;
    for (std::size_t i = 0; i < peers.size(); ++i) {
      auto& got = round.got[i];
      if (got.end != net::End::complete) continue;
      std::size_t want = cut(i, k + 1) > got.bytes.size() ? cut(i, k + 1) - got.bytes.size() : 0;
      // Every client gets a moment of its own even when those before it used the wave's 4 s
      // (their workers and its own share the CPUs), within the wave's limit.
      if (deadline.expired()) deadline = limit.capped(ctx.ms(1000));
      auto more = peers[i].receive(want, deadline);
      // The wave's time is a budget for progress, not a total (BRIEF §9): bytes that came, or
      // a worker still being created (fork/clone held up by a loaded machine), buy more time,
      // up to the wave's limit.
      std::size_t progressed = 0;
      while (more.end == net::End::timeout && more.bytes.size() < want && !limit.expired() &&
             (more.bytes.size() > progressed || server_creating_process(ctx) || drops.any())) {
        progressed = more.bytes.size();
        deadline = limit.capped(ctx.ms(2000));
        more.continue_with(peers[i].receive(want - more.bytes.size(), deadline));
      }
      got.continue_with(more);
      whole = whole && more.end == net::End::complete && got.bytes == round.expected[i];
    }
    if (!whole) break;
  }
  return {};
}

Judgement judge(const Round& round) {
  Judgement j;
  j.first_bad = round.peers.size();
  for (std::size_t i = 0; i < round.peers.size(); ++i) {
    const auto& g = round.got[i];
    const auto& name = round.peers[i].name();
    if (g.end == net::End::complete && g.bytes == round.expected[i]) {
      j.exact.push_back(name);
      continue;
    }
    if (j.first_bad == round.peers.size()) j.first_bad = i;
    const auto& payload = round.payloads[i];
    auto diff = first_difference(payload.substr(0, std::min(payload.size(), g.bytes.size())),
                                 g.bytes.substr(0, std::min(payload.size(), g.bytes.size())));
    if (diff != std::string_view::npos && diff < g.bytes.size()) {
      auto from = whose_bytes(g.bytes, diff, round, i);
      j.crossed.push_back(name + (from.empty() ? "" : " (got bytes of " + from + ")"));
    } else if (g.bytes.empty()) {
      j.unserved.push_back(name);
    } else {
      j.short_of.push_back(name + " (" + format_bytes(g.bytes.size()) + " of " + format_bytes(round.expected[i].size()) +
                           ", then " + net::end_name(g.end) + ")");
    }
  }
  return j;
}

// The failing outcome of a round whose clients did not all get exactly their bytes back.
Outcome round_failure(Context& ctx, const Round& round, const Judgement& j, const std::string& scene) {
  std::string msg = scene + "not every client got exactly its own bytes back";
  if (!j.crossed.empty()) {
    ctx.evidence()["crosstalk"] = j.crossed;
    msg += "; some got bytes that differ from what they sent (crosstalk: clients' data mixed up — a buffer "
           "shared between workers, or a descriptor read by the wrong worker)";
  }
  if (!j.unserved.empty()) {
    ctx.evidence()["unserved"] = j.unserved;
    msg += "; some got nothing back although connected";
    // Workers that exist while clients wait unserved are serving the wrong connections.
    auto tree = ctx.server().snapshot();
    ctx.evidence()["server_tree"] = describe_tree(tree);
    if (tree.processes == 1 && tree.threads == 1 && j.crossed.empty()) {
      msg += " (the server, a single thread, served one client and left the others waiting: one client at a time)";
    } else {
      msg += " (connections nobody serves while the server runs workers: e.g. each thread was given &connfd, "
             "which the next accept() overwrote before the thread read it — several threads then serve one "
             "client and none serves the others)";
    }
  }
  if (!j.short_of.empty()) {
    ctx.evidence()["short"] = j.short_of;
    msg += "; some got only part of it";
  }
  // The first bad client's bytes, for the evidence.
  (void)expect_echo(ctx, round.peers[j.first_bad].name(), round.expected[j.first_bad], round.got[j.first_bad]);
  return Outcome::fail(msg);
}

// The check's parameters, as the lab gives them.
struct BurstParams {
  int clients;
  int rounds;
  std::size_t size;
  int pieces;
};

void add_payloads(Round& round, int r, Rng& rng, std::size_t size) {
  for (auto& p : round.peers) {
    round.payloads.push_back("<" + p.name() + " round " + std::to_string(r) + ">" + rng.text(size));
  }
}

// Judges round `r` and fails the check unless every client it judges got exactly its bytes back.
Step<void> judge_round(Context& ctx, const Round& round, int r, const ListenDrops& drops,
                       const StarvationWatch& starvation, const std::string& scene) {
  auto j = judge(round);
  ctx.evidence()["round"] = r;
  ctx.evidence()["clients_served_exactly"] = j.exact.size();
  // Clients the server never got to, after the accept queue overflowed, are the backlog's
  // failure, not the echo's: crosstalk is judged on the clients that were served.
  if (!j.unserved.empty() && drops.any()) {
    ctx.evidence()["unserved_after_listen_overflow"] = j.unserved;
    drops.record(ctx);
    ctx.trace().add("harness", "observe", std::to_string(j.unserved.size()) +
                                              " clients unserved after the accept queue overflowed: not judged");
    j.exact.insert(j.exact.end(), j.unserved.begin(), j.unserved.end());
    j.unserved.clear();
  }
  if (j.exact.size() != round.peers.size()) {
    note_waiting(ctx);
    // Clients short of their echo with none crossed: a server the machine kept off the
    // CPUs is not proven slow.
    if (j.crossed.empty()) SG_CHECK(not_starved(ctx, starvation, "server"));
    return unexpected(round_failure(ctx, round, j, scene));
  }
  return {};
}

// Each burst starts from an idle server: the last one's workers gone (their exit is the
// children-reaped check's business; here they would only crowd the process limit).
void wait_until_idle(Context& ctx, const net::TreeSnapshot& idle) {
  wait_until(ctx.deadline(2000), [&] {
    auto now = ctx.server().snapshot();
    return now.processes <= idle.processes && now.threads <= idle.threads;
  });
}

// Starts the server and plays the rounds; `overflow_seen` tells whether an accept queue overflowed.
Step<void> play_bursts(Context& ctx, const BurstParams& p, bool& overflow_seen) {
  SG_TRY(auto* srv, ctx.start_server());
  auto idle = srv->snapshot();
  auto rng = ctx.rng("payloads");
  auto queue = net::listen_queue(srv->listener().inode);
  const bool counters_are_ours =
      ctx.settings().private_network || (queue && queue->backlog < static_cast<uint32_t>(p.clients));
  // The message names nothing that varies between runs (which round, which clients, how
  // many): those go into the evidence, so that a program gets the same words every time.
  const std::string scene = std::to_string(p.clients) + " clients connected in a burst, each sent its own " +
                            format_bytes(p.size) + " in pieces interleaved with the others'; ";
  for (int r = 1; r <= p.rounds; ++r) {
    ctx.evidence()["round"] = r;
    // A full accept queue drops SYNs (and handshake ACKs), which are retried after 1 s, 3 s:
    // the connects and the echoes get that long.
    ListenDrops drops(counters_are_ours);
    // Retried SYNs cost seconds: after an overflow, rounds stop while time is still left to
    // judge the clients that were served.
    if (overflow_seen && ctx.wall_deadline().at() - Clock::now() < ctx.ms(9000)) break;
    SG_TRY(auto round, connect_round(ctx, p.clients, drops, scene));
    add_payloads(round, r, rng, p.size);
    // Over the whole round, sampled once: a sample walks the server's process tree, which a
    // fork server that never reaps fills with hundreds of processes, and one per wave ate the
    // round's own deadline (seen: echo-server-fork/child-no-exit short of its last piece). The
    // wave that does not come back whole is most of a failing round's time anyway.
    StarvationWatch starvation(ctx, srv->pid());
    SG_CHECK(send_in_waves(ctx, round, p.pieces, drops, scene));
    SG_CHECK(judge_round(ctx, round, r, drops, starvation, scene));
    if (drops.any()) {
      overflow_seen = true;
      drops.record(ctx);
    }
    ctx.evidence()["rounds_judged"] = r;
    if (round.connects_cut) {
      ctx.evidence()["clients_connected_in_last_round"] = round.peers.size();
      break;
    }
    for (auto& peer : round.peers) peer.close();
    wait_until_idle(ctx, idle);
  }
  return {};
}

}  // namespace

Outcome burst(Context& ctx) {
  int clients = static_cast<int>(ctx.param("clients"));
  int rounds = static_cast<int>(ctx.param("rounds"));
  auto size = static_cast<std::size_t>(ctx.param("bytes"));
  int pieces = static_cast<int>(ctx.param("pieces"));
  bool overflow_seen = false;  // the server's accept queue overflowed in a round
  auto r = play_bursts(ctx, {clients, rounds, size, pieces}, overflow_seen);
  if (r && overflow_seen) {
    return Outcome::pass("bursts of " + std::to_string(clients) + " clients: every client served got exactly its own " +
                         format_bytes(size) + " back, no crosstalk (the listen queue overflowed and dropped some "
                         "connection attempts: connect-accept.listen-backlog judges that)");
  }
  return conclude(std::move(r), std::to_string(rounds) + " bursts of " + std::to_string(clients) +
                                    " clients: each got exactly its own " + format_bytes(size) +
                                    " back, no crosstalk, none left unserved");
}

}  // namespace sockgrade::checks
