// sigpipe: a client that vanishes while the server writes its reply. The server must survive
// the EPIPE (SIGPIPE ignored, or MSG_NOSIGNAL) and serve the next client.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <optional>

#include "cell/net_ns.hpp"
#include "grading/context.hpp"
#include "checks/catalogue.hpp"
#include "grading/server_under_test.hpp"
#include "grading/verify.hpp"
#include "core/bytes.hpp"
#include "core/wait.hpp"
#include "net/observe.hpp"

namespace sockgrade::checks {
namespace {

constexpr int kCappedSendBuffer = 256 * 1024;

bool blocked_in_write(ServerUnderTest& srv) {
  auto calls = net::blocked_syscalls(net::process_tree(srv.pid()));
  return std::any_of(calls.begin(), calls.end(), [](long nr) { return net::call_kind(nr) == net::CallKind::write; });
}

// The server's end of `client`'s connection, as the kernel shows it.
std::optional<net::SocketRow> server_side(ServerUnderTest& srv, const net::Peer& client) {
  auto rows = net::tcp_table(::getpid());
  if (const auto* row = net::connection_row(rows, srv.listener().local.port, client.local().port)) return *row;
  return std::nullopt;
}

// Builds the situation of BRIEF §9 step by step. The client never reads, so the server's echo
// fills the client's small window and the server's send buffer until the server blocks in
// write() and stops reading; the client goes on sending, one acknowledged piece at a time (each
// well inside the window the server advertises), until data the server has not read piles up
// on its side. The client then half-closes (acknowledged: the server's side is in CLOSE_WAIT)
// and resets. The server still has bytes to read and echo, so its pending or next write()
// meets the reset: EPIPE, and SIGPIPE.
// Returns false when the situation did not arise after all: the server had only waited a moment
// for an acknowledgement, then read and echoed everything (and the FIN) before the reset.
Step<bool> vanish_mid_reply(Context& ctx, ServerUnderTest& srv, long send_buffer_max, const std::string& who) {
  // A small, fixed receive buffer (set before connect, so never autotuned): once it is full the
  // server's echo can only go into its own (capped) send buffer.
  net::Peer::Options small_window;
  small_window.rcvbuf = 4096;
  SG_TRY(auto client, ctx.connect(who, small_window));
  // Text, so that a server that mishandles binary data is charged in basic only.
  auto chunk = ctx.rng("chunk").text(16 * 1024);
  auto& ev = ctx.evidence();
  uint64_t total = 0;
  constexpr uint64_t kPiledUp = 16 * 1024;
  constexpr uint64_t kMaxBytes = 64ull << 20;
  constexpr int kInFlight = 32 * 1024;  // well inside the window the server advertises
  constexpr std::size_t kQuietPiece = 4096;
  // A server waiting a moment for an acknowledgement is also "blocked in write()". Stopped means
  // this many acknowledged pieces in a row arrived while the server read none of them.
  constexpr int kQuietRounds = 3;

  auto deadline = ctx.deadline(10000);
  uint64_t unread = 0;
  uint64_t unread_before = 0;  // at the previous observation
  uint64_t sent_since = 0;     // since the previous observation
  std::optional<uint64_t> queued_before;  // the server's send queue at the previous observation
  bool stopped_reading = false;  // blocked in write() with our data piling up unread
  int quiet_rounds = 0;
  // Data unread at the server, which is not writing an echo: it does not read at all.
  auto stopped_reading_at_all = [&](const net::SocketRow& row) {
    return timed_out(who + " sent " + format_bytes(total) + " and the server read none of the last " +
                     format_bytes(row.rx_queue) + " for " + ctx.human(10000) +
                     " although it was not blocked writing an echo: it stopped reading (never accepted, or busy "
                     "elsewhere)");
  };
  for (;;) {
    // Once data piles up at the server, each piece must be acknowledged before the next.
    int allowed = stopped_reading ? 1 : kInFlight;
    if (!wait_until(deadline, [&] { return client.unacked() < allowed || client.tcp_state() != net::kTcpEstablished; })) {
      // The window closed with the server not blocked in write(): it does not read at all (a
      // server that never accepts, or spins). The program's fault, not the harness's.
      auto row = server_side(srv, client);
      ev["sent_bytes"] = total;
      ev["server_unread_bytes"] = row ? row->rx_queue : 0;
      SG_CHECK(srv.expect_alive("while " + who + " was sending"));
      if (row && row->rx_queue > 0 && !blocked_in_write(srv)) return stopped_reading_at_all(*row);
      return harness_error("the data of " + who + " was not acknowledged by the server's kernel (after " +
                           format_bytes(total) + ")");
    }
    if (client.tcp_state() != net::kTcpEstablished) {
      ev["sent_bytes"] = total;
      SG_CHECK(srv.expect_alive("while " + who + " was sending (before it read anything)"));
      return failed("the server closed " + who + "'s connection after " + format_bytes(total) +
                    " without echoing it all, so the situation this check needs (a server blocked writing its "
                    "echo) could not arise");
    }
    auto row = server_side(srv, client);
    unread = row ? row->rx_queue : 0;
    // Not reading because its echo cannot go out: blocked in write(), or (a server that waits
    // for writability, or retries EAGAIN) its send queue half the buffer's maximum, or queued
    // and no longer moving since the last look (the client reads nothing, so its window stays
    // closed). The maximum is measured, never 0: without a namespace it is the host's own.
    bool queue_stuck = row && row->tx_queue > 0 &&
                       (row->tx_queue >= static_cast<uint64_t>(send_buffer_max / 2) ||
                        (queued_before && *queued_before == row->tx_queue));
    queued_before = row ? std::optional<uint64_t>(row->tx_queue) : std::nullopt;
    // The cheap observation first: a scan of the process tree costs milliseconds in a busy host.
    bool stopped_now = unread > 0 && (queue_stuck || blocked_in_write(srv));
    // Everything acknowledged since the last look is still unread: the server read nothing.
    bool read_nothing = stopped_reading && client.unacked() == 0 && unread >= unread_before + sent_since;
    quiet_rounds = stopped_now && read_nothing ? quiet_rounds + 1 : 0;
    stopped_reading = stopped_now;
    if (quiet_rounds >= kQuietRounds && unread >= kPiledUp) break;
    if (total > kMaxBytes || deadline.expired()) {
      ev["sent_bytes"] = total;
      SG_CHECK(srv.expect_alive("while " + who + " was sending without reading"));
      // Its echo is queued for the client: it does echo, its send buffer (up to megabytes
      // without a namespace) had not filled yet. Not the program's fault.
      if (row && row->tx_queue > 0) {
        ev["server_queued_echo_bytes"] = row->tx_queue;
        return harness_error(who + " sent " + format_bytes(total) + " in " + ctx.human(10000) +
                             " and the server echoed it into its send buffer (" + format_bytes(row->tx_queue) +
                             " queued), which had not filled yet: the situation could not be built in time");
      }
      // On a starved machine the deadline may come before the window closes: unread data still
      // proves a server that does not read; only an empty receive queue proves that it reads.
      ev["server_unread_bytes"] = row ? row->rx_queue : 0;
      if (row && row->rx_queue > 0 && !blocked_in_write(srv)) return stopped_reading_at_all(*row);
      if (!row || row->rx_queue > 0) {
        return harness_error(who + " sent " + format_bytes(total) + " in " + ctx.human(10000) +
                             " without the situation arising, and what the server did with it is not known");
      }
      return failed(who + " sent " + format_bytes(total) + " and read nothing, yet the server kept reading: "
                    "it does not echo what it reads");
    }
    // A server that reads slowly (one byte per call) must not have its receive buffer filled
    // while it still reads (our data would be stuck unacknowledged when it stops): with
    // kPiledUp unread at its side, wait until it reads some, or reads nothing for 100 ms; more
    // goes only in small pieces then.
    if (unread >= kPiledUp) {
      bool reading = wait_until(deadline.capped(ctx.ms(100)), [&] {
        auto r = server_side(srv, client);
        return !r || r->rx_queue != unread;
      });
      if (reading) continue;
    }
    // Small pieces only once the server has been seen to stop: without a namespace its send
    // buffer grows to megabytes first, and it pauses in write() for an instant all along.
    std::string_view piece = chunk;
    if (quiet_rounds > 0 || unread >= kPiledUp) piece = piece.substr(0, kQuietPiece);
    auto s = client.send_nonblocking(piece);
    if (s.end == net::End::reset || s.end == net::End::error) {
      SG_CHECK(srv.expect_alive("while " + who + " was sending"));
      return failed("while " + who + " was sending, " + s.describe() + ", before the server's echo filled the buffers");
    }
    total += s.bytes;
    unread_before = unread;
    sent_since = s.bytes;
  }
  bool blocked = blocked_in_write(srv);
  ctx.trace().add("harness", "observe", "the server stopped reading after " + format_bytes(total) + ", " +
                                            format_bytes(unread) + " unread" + (blocked ? ", blocked in write()" : ""));

  client.half_close();
  if (!wait_until(ctx.deadline(2000), [&] { return client.tcp_state() == net::kTcpFinWait2; })) {
    return harness_error("the FIN of " + who + " was not acknowledged");
  }
  auto row = server_side(srv, client);
  // In CLOSE_WAIT the queue counts the FIN as one byte.
  uint64_t unread_data = row && row->rx_queue > 0 ? row->rx_queue - (row->state == net::kTcpCloseWait ? 1 : 0) : 0;
  blocked = blocked_in_write(srv);
  ev["sent_bytes"] = total;
  ev["server_unread_bytes_at_reset"] = unread_data;
  ev["server_state_at_reset"] = row ? net::tcp_state_name(row->state) : "gone";
  ev["server_blocked_in_write_at_reset"] = blocked;
  client.reset();
  // The reset meets a write only when one is pending or the server still has data to echo.
  return unread_data > 0 || blocked;
}

Outcome peer_vanishes(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    // The server's send buffer stops growing at 256 KiB, so it blocks in write() after a few
    // hundred KiB instead of 4 MiB (much faster, same situation).
    ServerOptions opts;
    auto cap = ctx.cap_server_send_buffer(kCappedSendBuffer, opts);
    // Where it cannot be capped (a static server without a namespace) the host's maximum applies
    // (4 MiB by default; some containers cannot read the sysctl): the situation takes longer to
    // build, never less.
    auto max = cap.bytes > 0 ? cell::SendBufferMax{cap.bytes, true} : cell::tcp_send_buffer_max();
    ctx.evidence()["tcp_wmem_max"] = max.bytes;
    if (!cap.how.empty()) ctx.evidence()["send_buffer_cap"] = cap.how;
    if (!max.read_from_sysctl) ctx.evidence()["tcp_wmem_max_source"] = "kernel default: net.ipv4.tcp_wmem is unreadable here";
    SG_TRY(auto* srv, ctx.start_server(opts));
    // A server that paused only for an instant may have drained everything before the reset;
    // then the situation is built again with a new client (the server has served the old one).
    constexpr int kAttempts = 3;
    int client_no = 1;
    for (;; ++client_no) {
      SG_TRY(bool arose, vanish_mid_reply(ctx, *srv, max.bytes, "client#" + std::to_string(client_no)));
      if (arose) break;
      if (client_no == kAttempts) {
        return harness_error("in " + std::to_string(kAttempts) +
                             " attempts the server read everything before the reset: the situation of a server "
                             "blocked writing to a vanished client could not be built");
      }
      ctx.trace().add("harness", "observe", "the server had read and echoed everything before the reset; again");
    }
    const std::string next_client = "client#" + std::to_string(client_no + 1);
    auto next = serve_one_client(ctx, next_client, "the next client after one vanished\n", 3000);
    auto v = srv->status();
    if (next && v.running()) return {};
    // The server probably died of the reset; let its exit settle before describing it.
    v = srv->program().wait(ctx.deadline(1000));
    const std::string scene = "client#" + std::to_string(client_no) +
                              " stopped reading until the server blocked in write(), then half-closed and reset the "
                              "connection: ";
    if (v.kind == cell::Verdict::Kind::signaled && v.signal == SIGPIPE) {
      return failed(scene + "the server's write to the dead connection raised SIGPIPE and the server " + v.sentence() +
                    "; " + next_client + " was never served");
    }
    if (!v.running()) {
      return failed(scene + "the server " + srv->fate_sentence() + " instead of ending only that client's connection");
    }
    return in_context(std::move(next), scene + "the server survived but ");
  };
  return conclude(steps(), "the server survived a client that vanished mid-reply (EPIPE) and served the next client");
}

}  // namespace

std::vector<CheckDef> sigpipe_checks() {
  return {
      {{"sigpipe.peer-vanishes", "sigpipe", "Survives a client that vanishes while the server writes",
        "A client that disappears mid-reply ends only its own connection; the server goes on serving.",
        "Writing to a connection the peer has reset raises SIGPIPE, whose default action kills the "
        "process. Ignore it (signal(SIGPIPE, SIG_IGN)) or send with MSG_NOSIGNAL, then treat the EPIPE "
        "from write() as the end of that client only.",
        "server", {}, 30000, 150},
       peer_vanishes},
  };
}

}  // namespace sockgrade::checks
