// shutdown: half-close honoured (everything echoed, then the server closes), and a client
// that resets its connection is survived without spinning on ECONNRESET; a client (the
// echo-client lab) half-closes at stdin EOF, prints everything until the server closes, and
// reports a server that closes early or resets.
#include <signal.h>

#include "cell/net_ns.hpp"
#include "checks/catalogue.hpp"
#include "checks/client_scenarios.hpp"
#include "core/bytes.hpp"
#include "core/clock.hpp"
#include "grading/context.hpp"
#include "grading/server_under_test.hpp"
#include "grading/verify.hpp"
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
    // A deadline on progress, not on the whole echo: a correct server moving one byte per call
    // takes seconds for it on a loaded machine, but never stops for 3 s.
    auto got = client.exchange({}, payload.size(), ctx.ms(3000), ctx.deadline(15000));
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

// The echo-client lab: the harness plays the echo server and feeds the client's stdin.

Outcome client_half_close(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    ServerPlay play;
    play.latency_ms = 200;
    ClientSession s(ctx, play);
    SG_CHECK(s.listen());
    SG_TRY(auto* c, s.start());
    std::string line = "the last line before EOF\n";
    c->feed(line);
    c->close_stdin();
    const std::string scene = "one line fed, then stdin closed (EOF); the server echoes 200 ms later: ";
    auto stop = s.run([&] { return s.client_fin(); }, ctx.deadline(3000));
    if (!s.client_fin()) {
      s.record_evidence();
      if (!s.accepted()) return never_connected(ctx, s, scene);
      if (stop == ClientSession::Stop::exited) {
        return failed(scene + "the client " + c->fate_sentence() + " without ending its connection");
      }
      return timed_out(scene + "stdin reached EOF, but the client sent no FIN for " + ctx.human(3000) +
                       ": it must tell the server the input is over with shutdown(fd, SHUT_WR) (" + s.progress() + ")");
    }
    // The server echoes, then closes after the FIN; the client prints and exits 0.
    auto cpu_before = net::cpu_time_ns(c->pid());
    Stopwatch waited;
    s.run_until_exit(ctx.deadline(3000));
    SG_CHECK(expect_printed(ctx, s, line, ClientSession::Stop::exited,
                            scene + "the client sent its FIN; the echo came after it: "));
    auto v = c->status();
    if (v.running()) {
      s.record_evidence();
      auto cpu_ms = static_cast<double>(net::cpu_time_ns(c->pid()) - cpu_before) / 1e6;
      std::string spin = cpu_ms > waited.elapsed_ms() / 2
                             ? " and used " + std::to_string(static_cast<int>(cpu_ms)) + " ms of CPU meanwhile: it spins"
                             : "";
      return timed_out(scene + "the echo was printed and the server closed the connection, but the client did not "
                               "exit within " + ctx.human(3000) + spin + " (read() returning 0 is EOF: stop there)");
    }
    if (v.kind != cell::Verdict::Kind::exited || v.exit_code != 0) {
      return failed(scene + "everything went well, yet the client " + c->fate_sentence() + " instead of exiting with 0");
    }
    return {};
  };
  return conclude(steps(), "at stdin EOF the client half-closed, printed the late echo, and exited 0 after the "
                           "server closed");
}

// Every input at once and stdin closed: the client must keep printing until the server closes.
Outcome client_slow_server(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    ServerPlay play;
    play.latency_ms = 300;
    ClientSession s(ctx, play);
    SG_CHECK(s.listen());
    SG_TRY(auto* c, s.start());
    auto rng = ctx.rng("lines");
    std::string all;
    for (int i = 1; i <= 4; ++i) all += "slow " + std::to_string(i) + ": " + rng.text(rng.between(8, 40)) + "\n";
    c->feed(all);
    c->close_stdin();
    auto stop = s.run([&] { return c->output().size() >= all.size(); }, ctx.deadline(5000));
    return expect_printed(ctx, s, all, stop,
                          "4 lines fed and stdin closed at once; the server echoes each piece 300 ms after it "
                          "arrives: ");
  };
  return conclude(steps(), "with stdin at EOF at once, every echo of a slow server was still printed");
}

// The server echoes 64 KiB of a 4 MiB input, then half-closes and drops the rest: only the EOF
// tells the client (no reset, so no SIGPIPE either way).
Outcome client_server_closes_early(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    // The early close is visible to the client only if it arrives while input is left to send:
    // a client that got all of its input into the kernel's buffers first, then half-closed and
    // saw EOF, did nothing wrong. So the buffers are kept far smaller than the input: the
    // server's receive buffer fixed, the client's send buffer capped in the cell's namespace
    // (without one, 4 MiB of autotuning: then the input is four times larger).
    bool capped = ctx.settings().private_network && cell::cap_tcp_send_buffers(256 * 1024);
    const std::size_t input = capped ? 4u << 20 : 16u << 20;
    ServerPlay play;
    play.end_after = 64 * 1024;
    play.rcvbuf = 16 * 1024;
    ClientSession s(ctx, play);
    SG_CHECK(s.listen());
    SG_TRY(auto* c, s.start());
    c->feed(ctx.rng("stream").text(input));
    c->close_stdin();
    s.run_until_exit(ctx.deadline(5000));
    if (!s.accepted()) return never_connected(ctx, s, format_bytes(input) + " fed to stdin: ");
    return expect_error_exit(ctx, s,
                             format_bytes(input) + " fed to stdin; the server echoed the first 64 KiB, then closed "
                             "its side (EOF) and dropped the rest unread: ");
  };
  return conclude(steps(), "the client reported the early close on stderr and exited with a non-zero status");
}

// Two lines echoed, then, while the client waits for more input, the server resets.
Outcome client_reset_by_server(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    ClientSession s(ctx, {});
    SG_CHECK(s.listen());
    SG_TRY(auto* c, s.start());
    SG_CHECK(interactive_lines(ctx, s, 2, "", true));
    s.reset();
    std::string scene = "2 lines echoed; then, with stdin still open, the server reset the connection (RST)";
    // A client that reads the socket sees the reset at once. One that waits for the next line
    // before it reads again (the lecture's loop) gets it: the reset is then in its way.
    if (s.run_until_exit(ctx.deadline(1000)) != ClientSession::Stop::exited) {
      c->feed("one more line after the reset\n");
      scene += " and one more line was typed";
      s.run_until_exit(ctx.deadline(3000));
    }
    return expect_error_exit(ctx, s, scene + ": ");
  };
  return conclude(steps(), "the client reported the reset on stderr and exited with a non-zero status");
}

}  // namespace

// This file's checks: each check described in labs/checks/shutdown.json runs the function named
// after its id (shutdown.half-close: half_close()). The build writes shutdown_checks(), the list
// that pairs them (checks/list_functions.cmake).
#include "checks/shutdown_checks.inc"

}  // namespace sockgrade::checks
