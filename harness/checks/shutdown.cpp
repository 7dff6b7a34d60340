// shutdown: half-close honoured (everything echoed, then the server closes), and a client
// that resets its connection is survived without spinning on ECONNRESET.
#include <signal.h>

#include "grading/context.hpp"
#include "checks/catalogue.hpp"
#include "grading/server_under_test.hpp"
#include "grading/verify.hpp"
#include "core/bytes.hpp"
#include "net/observe.hpp"

namespace sockgrade::checks {
namespace {

Outcome half_close(Context& ctx) {
  auto size = static_cast<std::size_t>(ctx.param("bytes"));
  auto steps = [&]() -> Step<void> {
    SG_TRY(auto* srv, ctx.start_server());
    (void)srv;
    SG_TRY(auto client, ctx.connect("client"));
    // Text: a server that mishandles binary data is charged in basic, not here.
    std::string payload = ctx.rng("payload").text(size);
    SG_CHECK(expect_sent(ctx, "client", payload.size(), client.send(payload, ctx.deadline(3000))));
    // FIN right behind the data: the server must still echo all of it, then close.
    client.half_close();
    auto got = client.receive(payload.size(), ctx.deadline(3000));
    SG_CHECK(in_context(expect_echo(ctx, "client", payload, got), "after the client's half-close (shutdown(SHUT_WR)): "));
    auto rest = client.receive_until_eof(ctx.deadline(2000));
    SG_CHECK(expect_eof(ctx, "client", rest, "after echoing everything that preceded the client's FIN"));
    return {};
  };
  return conclude(steps(), "after the client's half-close, all " + format_bytes(size) +
                               " were echoed and then the server closed the connection");
}

Outcome reset_by_peer(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    SG_TRY(auto* srv, ctx.start_server());
    SG_TRY(auto first, ctx.connect("client#1"));
    SG_CHECK(round_trip(ctx, first, ctx.rng("line").text(200) + "\n"));
    // The server has echoed everything and waits in read(): the RST gives it ECONNRESET.
    first.reset();
    auto cpu_before = net::sample_cpu(srv->pid());
    Stopwatch clock;
    auto next = serve_one_client(ctx, "client#2", "the next client after a reset\n", 3000);
    auto use = net::cpu_use_since(cpu_before, srv->pid());
    double wall_ms = clock.elapsed_ms();
    ctx.evidence()["server_cpu_ms_after_reset"] = use.cpu_ms;
    ctx.evidence()["server_runnable_ms_after_reset"] = use.runnable_ms;
    ctx.evidence()["wall_ms_after_reset"] = wall_ms;
    const std::string scene = "client#1 reset its connection (RST) while the server waited in read(): ";
    if (!next) {
      auto v = srv->status();
      if (!v.running()) {
        std::string why;
        if (v.kind == cell::Verdict::Kind::signaled && v.signal == SIGPIPE) {
          why = " — it wrote to the reset connection: read() returned -1 (ECONNRESET), which ends the "
                "connection and is not a byte count";
        }
        return failed(scene + "the server " + srv->fate_sentence() + why + "; client#2 was never served");
      }
      std::string spin;
      // Runnable most of the time (however much CPU it got): it never blocked again.
      if (use.runnable_ms > 0.5 * wall_ms) {
        spin = " — meanwhile the server " + busy_sentence(use.cpu_ms, use.runnable_ms, wall_ms) +
               ": it spins on the dead connection";
      }
      return in_context(std::move(next), scene, spin);
    }
    return {};
  };
  return conclude(steps(), "after a client reset its connection, the server went on and served the next client");
}

}  // namespace

std::vector<CheckDef> shutdown_checks() {
  return {
      {{"shutdown.half-close", "shutdown", "Half-close: everything is echoed, then the server closes",
        "When read() returns 0 (the client shut down its sending side), the server has echoed everything "
        "and closes the connection.",
        "read() == 0 means the client sent FIN: finish writing what you have, then close(connfd) so that the "
        "client sees EOF. Do not stop echoing before that, and do not forget the close.",
        "server", {{"bytes", 64 * 1024, 1, 1 << 20, "bytes sent before the half-close"}}, 20000},
       half_close},
      {{"shutdown.reset-by-peer", "shutdown", "A client that resets is survived, without spinning",
        "A connection reset by the client (ECONNRESET) ends that connection only; the server serves the "
        "next client.",
        "read() returns -1 with errno ECONNRESET once after an RST, then 0: treat -1 as an error of that "
        "connection (close it and go back to accept()), never as a byte count, and never exit the server.",
        "server", {}, 20000},
       reset_by_peer},
  };
}

}  // namespace sockgrade::checks
