// sigpipe: a client that vanishes while the server writes its reply. The server must survive
// the EPIPE (SIGPIPE ignored, or MSG_NOSIGNAL) and serve the next client.
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

#include "checks/context.hpp"
#include "checks/registry.hpp"
#include "checks/server_under_test.hpp"
#include "checks/verify.hpp"
#include "core/bytes.hpp"
#include "core/wait.hpp"
#include "net/observe.hpp"

namespace sockgrade::checks {
namespace {

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

// Builds the situation of BRIEF §9 step by step: the client stops reading until the server
// blocks in write(); all the client's data is acknowledged with more of it still queued at
// the server; the client half-closes (the server's side goes to CLOSE_WAIT) and then resets.
// The server's pending or next write then fails with EPIPE and raises SIGPIPE.
Step<void> vanish_mid_reply(Context& ctx, ServerUnderTest& srv) {
  net::Peer::Options small_window;
  small_window.rcvbuf = 4096;
  SG_TRY(auto client, ctx.connect("client#1", small_window));
  auto chunk = ctx.rng("chunk").bytes(16 * 1024);
  auto& ev = ctx.evidence();
  uint64_t total = 0;
  constexpr int kInFlight = 64 * 1024;  // never more unacknowledged than the server's window holds

  // 1. Send without reading until the server blocks writing its echo to us.
  auto deadline = ctx.deadline(8000);
  for (;;) {
    bool ready = wait_until(deadline, [&] {
      return client.unacked() < kInFlight || blocked_in_write(srv) || client.tcp_state() != net::kTcpEstablished;
    });
    if (client.tcp_state() != net::kTcpEstablished) {
      ev["sent_bytes"] = total;
      SG_CHECK(srv.expect_alive("while client#1 was sending (before it read anything)"));
      return failed("the server closed client#1's connection after " + format_bytes(total) +
                    ", before echoing it all; the situation this check needs (a server blocked in write) could not arise");
    }
    if (ready && blocked_in_write(srv)) break;
    if (!ready || total > (64u << 20)) {
      ev["sent_bytes"] = total;
      SG_CHECK(srv.expect_alive("while client#1 was sending without reading"));
      return failed("client#1 sent " + format_bytes(total) + " without reading, yet the server never blocked in write(): "
                    "it does not echo what it reads");
    }
    auto s = client.send_nonblocking(chunk);
    if (s.end == net::End::reset || s.end == net::End::error) {
      SG_CHECK(srv.expect_alive("while client#1 was sending"));
      return failed("client#1's connection was " + s.describe() + " before the server's echo filled the buffers");
    }
    total += s.bytes;
  }
  ctx.trace().add("harness", "observe", "the server is blocked in write() after " + format_bytes(total) + " from client#1");

  // 2. Everything sent so far is acknowledged, then more is queued at the server (unread),
  //    each piece acknowledged before the next, so the FIN that follows can be too.
  if (!wait_until(ctx.deadline(3000), [&] { return client.unacked() == 0; })) {
    return harness_error("client#1's data was not acknowledged by the server's kernel");
  }
  auto piece = std::string_view(chunk).substr(0, 4096);
  for (int i = 0; i < 16; ++i) {
    auto row = server_side(srv, client);
    if (!row || row->rx_queue >= 32 * 1024) break;
    auto s = client.send_nonblocking(piece);
    total += s.bytes;
    if (s.bytes == 0 || !wait_until(ctx.deadline(1000), [&] { return client.unacked() == 0; })) break;
  }
  if (client.unacked() != 0) return harness_error("client#1's last data stayed unacknowledged");

  // 3. Half-close and wait until the server's kernel acknowledged the FIN (CLOSE_WAIT there).
  client.half_close();
  if (!wait_until(ctx.deadline(2000), [&] { return client.tcp_state() == net::kTcpFinWait2; })) {
    return harness_error("the FIN of client#1 was not acknowledged");
  }
  auto row = server_side(srv, client);
  ev["sent_bytes"] = total;
  ev["server_unread_bytes_at_reset"] = row ? row->rx_queue : 0;
  ev["server_state_at_reset"] = row ? net::tcp_state_name(row->state) : "gone";
  ev["server_blocked_in_write_at_reset"] = blocked_in_write(srv);

  // 4. Vanish.
  client.reset();
  return {};
}

Outcome peer_vanishes(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    SG_TRY(auto* srv, ctx.start_server());
    SG_CHECK(vanish_mid_reply(ctx, *srv));
    auto next = serve_one_client(ctx, "client#2", "the next client after one vanished\n", 3000);
    auto v = srv->status();
    if (next && v.running()) return {};
    // The server probably died of the reset; let its exit settle before describing it.
    v = srv->program().wait(ctx.deadline(1000));
    const std::string scene =
        "client#1 stopped reading until the server blocked in write(), then half-closed and reset the connection: ";
    if (v.kind == cell::Verdict::Kind::signaled && v.signal == SIGPIPE) {
      return failed(scene + "the server's write to the dead connection raised SIGPIPE and the server was " + v.describe() +
                    "; client#2 was never served");
    }
    if (!v.running()) {
      return failed(scene + "the server " + v.describe() + " instead of ending only that client's connection");
    }
    auto o = std::move(next).error();
    o.message = scene + "the server survived but " + o.message;
    return unexpected(std::move(o));
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
        "server", {}, 30000},
       peer_vanishes},
  };
}

}  // namespace sockgrade::checks
