// sigpipe: a client that vanishes while the server writes its reply. The server must survive
// the EPIPE (SIGPIPE ignored, or MSG_NOSIGNAL) and serve the next client.
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

#include "cell/net_ns.hpp"
#include "checks/context.hpp"
#include "checks/registry.hpp"
#include "checks/server_under_test.hpp"
#include "checks/verify.hpp"
#include "core/bytes.hpp"
#include "core/wait.hpp"
#include "net/observe.hpp"

namespace sockgrade::checks {
namespace {

constexpr int kCappedSendBuffer = 256 * 1024;

bool is_write_syscall(long nr) {
  return nr == SYS_write || nr == SYS_writev || nr == SYS_sendto || nr == SYS_sendmsg || nr == SYS_pwrite64 ||
         nr == SYS_pwritev || nr == SYS_sendmmsg || nr == SYS_sendfile;
}

bool blocked_in_write(ServerUnderTest& srv) {
  auto calls = net::blocked_syscalls(net::process_tree(srv.pid()));
  return std::any_of(calls.begin(), calls.end(), is_write_syscall);
}

// The server's end of `client`'s connection, as the kernel shows it.
std::optional<net::SocketRow> server_side(ServerUnderTest& srv, const net::Peer& client) {
  for (const auto& row : net::tcp_table(::getpid())) {
    if (row.local.port == srv.listener().local.port && row.remote.port == client.local().port &&
        row.state != net::kTcpListen) {
      return row;
    }
  }
  return std::nullopt;
}

// Builds the situation of BRIEF §9 step by step. The client never reads, so the server's echo
// fills the client's small window and the server's send buffer until the server blocks in
// write() and stops reading; the client goes on sending, one acknowledged piece at a time (each
// well inside the window the server advertises),
// until data the server has not read piles up on its side. The client then half-closes
// (acknowledged: the server's side is in CLOSE_WAIT) and resets. The server still has bytes
// to read and echo, so its pending or next write() meets the reset: EPIPE, and SIGPIPE.
Step<void> vanish_mid_reply(Context& ctx, ServerUnderTest& srv, bool capped) {
  // A small, fixed receive buffer (set before connect, so never autotuned): once it is full the
  // server's echo can only go into its own (capped) send buffer.
  net::Peer::Options small_window;
  small_window.rcvbuf = 4096;
  SG_TRY(auto client, ctx.connect("client#1", small_window));
  // Text, so that a server that mishandles binary data is charged in basic only.
  auto chunk = ctx.rng("chunk").text(16 * 1024);
  auto& ev = ctx.evidence();
  uint64_t total = 0;
  constexpr uint64_t kPiledUp = 16 * 1024;
  constexpr uint64_t kMaxBytes = 64ull << 20;

  auto deadline = ctx.deadline(10000);
  uint64_t unread = 0;
  bool stopped_reading = false;  // blocked in write() with our data piling up unread
  constexpr int kInFlight = 32 * 1024;  // well inside the window the server advertises
  for (;;) {
    // Once data piles up at the server, each piece must be acknowledged before the next.
    int allowed = stopped_reading ? 1 : kInFlight;
    if (!wait_until(deadline, [&] { return client.unacked() < allowed || client.tcp_state() != net::kTcpEstablished; })) {
      // The window closed with the server not blocked in write(): it does not read at all (a
      // server that never accepts, or spins). The program's fault, not the harness's.
      auto row = server_side(srv, client);
      ev["sent_bytes"] = total;
      ev["server_unread_bytes"] = row ? row->rx_queue : 0;
      SG_CHECK(srv.expect_alive("while client#1 was sending"));
      if (row && row->rx_queue > 0 && !blocked_in_write(srv)) {
        return timed_out("client#1 sent " + format_bytes(total) + " and the server read none of the last " +
                         format_bytes(row->rx_queue) + " for " + ctx.human(10000) +
                         " although it was not blocked writing an echo: it stopped reading (never accepted, or busy "
                         "elsewhere)");
      }
      return harness_error("the data of client#1 was not acknowledged by the server's kernel (after " +
                           format_bytes(total) + ")");
    }
    if (client.tcp_state() != net::kTcpEstablished) {
      ev["sent_bytes"] = total;
      SG_CHECK(srv.expect_alive("while client#1 was sending (before it read anything)"));
      return failed("the server closed client#1's connection after " + format_bytes(total) +
                    " without echoing it all, so the situation this check needs (a server blocked writing its "
                    "echo) could not arise");
    }
    auto row = server_side(srv, client);
    unread = row ? row->rx_queue : 0;
    // Not reading because its echo cannot go out: blocked in write(), or (a server that retries
    // EAGAIN in a loop) spinning with its capped send buffer full.
    bool buffer_full = capped && row && row->tx_queue >= kCappedSendBuffer / 2;
    stopped_reading = unread > 0 && (blocked_in_write(srv) || buffer_full);
    if (stopped_reading && unread >= kPiledUp && client.unacked() == 0) break;
    if (total > kMaxBytes || deadline.expired()) {
      ev["sent_bytes"] = total;
      SG_CHECK(srv.expect_alive("while client#1 was sending without reading"));
      return failed("client#1 sent " + format_bytes(total) + " and read nothing, yet the server kept reading: "
                    "it does not echo what it reads");
    }
    auto s = client.send_nonblocking(chunk);
    if (s.end == net::End::reset || s.end == net::End::error) {
      SG_CHECK(srv.expect_alive("while client#1 was sending"));
      return failed("client#1's connection was " + s.describe() + " before the server's echo filled the buffers");
    }
    total += s.bytes;
  }
  bool blocked = blocked_in_write(srv);
  ctx.trace().add("harness", "observe", "the server stopped reading after " + format_bytes(total) + ", " +
                                            format_bytes(unread) + " unread" + (blocked ? ", blocked in write()" : ""));

  client.half_close();
  if (!wait_until(ctx.deadline(2000), [&] { return client.tcp_state() == net::kTcpFinWait2; })) {
    return harness_error("the FIN of client#1 was not acknowledged");
  }
  auto row = server_side(srv, client);
  ev["sent_bytes"] = total;
  ev["server_unread_bytes_at_reset"] = row ? row->rx_queue : 0;
  ev["server_state_at_reset"] = row ? net::tcp_state_name(row->state) : "gone";
  ev["server_blocked_in_write_at_reset"] = blocked_in_write(srv);
  if (!row || row->rx_queue == 0) return harness_error("the server had read everything before the reset");

  client.reset();
  return {};
}

Outcome peer_vanishes(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    // In the cell's own namespace the server's send buffer stops growing at 256 KiB, so it
    // blocks in write() after a few hundred KiB instead of 4 MiB (much faster, same situation).
    bool capped = ctx.settings().private_network && cell::cap_tcp_send_buffers(kCappedSendBuffer);
    ctx.evidence()["tcp_wmem_max"] = capped ? kCappedSendBuffer : 0;
    SG_TRY(auto* srv, ctx.start_server());
    SG_CHECK(vanish_mid_reply(ctx, *srv, capped));
    auto next = serve_one_client(ctx, "client#2", "the next client after one vanished\n", 3000);
    auto v = srv->status();
    if (next && v.running()) return {};
    // The server probably died of the reset; let its exit settle before describing it.
    v = srv->program().wait(ctx.deadline(1000));
    const std::string scene =
        "client#1 stopped reading until the server blocked in write(), then half-closed and reset the connection: ";
    if (v.kind == cell::Verdict::Kind::signaled && v.signal == SIGPIPE) {
      return failed(scene + "the server's write to the dead connection raised SIGPIPE and the server " + v.sentence() +
                    "; client#2 was never served");
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
