// partial-io: a byte stream has no message boundaries. Input arrives one byte at a time or many
// messages at once, the program's own writes come back short, calls are interrupted (EINTR),
// and a slow reader makes writes wait; the echo (or a client's output) must stay exact through
// all of it. The echo servers first, then the clients (echo, daytime).
#include <string>
#include <vector>

#include "cell/net_ns.hpp"
#include "checks/catalogue.hpp"
#include "checks/client_scenarios.hpp"
#include "core/bytes.hpp"
#include "grading/busy_writer.hpp"
#include "grading/context.hpp"
#include "grading/server_under_test.hpp"
#include "grading/verify.hpp"
#include "net/observe.hpp"

namespace sockgrade::checks {
namespace {

Outcome one_byte_segments(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    SG_TRY(auto* srv, ctx.start_server());
    (void)srv;
    SG_CHECK(ctx.start_proxy({"slice:bytes=1,gap_ms=1,direction=to-program"}));
    SG_TRY(auto client, ctx.connect_via_proxy("client"));
    auto rng = ctx.rng("lines");
    for (int i = 1; i <= 2; ++i) {
      std::string line = "line " + std::to_string(i) + " arrives byte by byte: " + rng.text(24) + "\n";
      SG_CHECK(in_context(round_trip(ctx, client, line, 5000),
                          "each byte reached the server in a segment of its own, 1 ms apart: "));
    }
    return {};
  };
  return conclude(steps(), "two lines delivered one byte per segment came back whole");
}

Outcome coalesced_messages(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    SG_TRY(auto* srv, ctx.start_server());
    (void)srv;
    // 40 short lines, each its own send(). The proxy holds them until it has every byte and
    // then writes them as one piece, so the server sees one segment on every run: a window of
    // time alone would split them whenever a loaded machine slows the sender, and the verdict
    // of a server that assumes one read is one message would then vary.
    auto rng = ctx.rng("lines");
    std::vector<std::string> lines;
    std::string all;
    for (int i = 1; i <= 40; ++i) {
      lines.push_back("message " + std::to_string(i) + ": " + rng.text(rng.between(4, 40)) + "\n");
      all += lines.back();
    }
    SG_CHECK(ctx.start_proxy({"coalesce:ms=" + std::to_string(ctx.ms(10000).count()) + ",max_bytes=" +
                              std::to_string(all.size()) + ",direction=to-program"}));
    SG_TRY(auto client, ctx.connect_via_proxy("client"));
    for (const auto& line : lines) {
      SG_CHECK(expect_sent(ctx, "client", line.size(), client.send(line, ctx.deadline(2000))));
    }
    auto got = client.receive(all.size(), ctx.deadline(3000));
    SG_CHECK(in_context(expect_echo(ctx, "client", all, got),
                        "40 lines sent one by one reached the server merged into one segment: "));
    SG_CHECK(expect_quiet_after_echo(ctx, client, all.size()));
    return {};
  };
  return conclude(steps(), "40 messages merged into one segment were all echoed, and nothing more");
}

// A student failure under the shim's faults ends with what the shim had done by then (`note`
// says it, or returns "" when the shim did nothing that explains it).
template <typename Note>
Step<void> with_shim_note(Context& ctx, Step<void> r, Note note) {
  if (r || r.error().status == Status::skipped || ctx.servers().empty()) return r;
  auto s = ctx.server().shim_stats();
  if (!s || !s->loaded) return r;
  std::string said = note(*s);
  if (said.empty()) return r;
  return in_context(std::move(r), "", said);
}

// The program's writes are shortened by the shim: the echo is exact only if every write is
// looped until all its bytes are out.
Outcome short_writes(Context& ctx) {
  std::optional<faults::ShimStats> stats;
  auto steps = [&]() -> Step<void> {
    SG_CHECK(ctx.require_preload());
    ServerOptions opts;
    opts.shim = faults::ShimConfig{-1, 0, 3};
    SG_TRY(auto* srv, ctx.start_server(opts));
    SG_TRY(auto client, ctx.connect("client"));
    auto rng = ctx.rng("payload");
    for (int i = 1; i <= 5; ++i) {
      std::string line = "short writes, line " + std::to_string(i) + ": " + rng.text(rng.between(20, 200)) + "\n";
      SG_CHECK(round_trip(ctx, client, line));
    }
    std::string block = rng.text(256 * 1024);
    auto got = client.exchange(block, block.size(), ctx.ms(3000), ctx.deadline(30000));
    SG_CHECK(expect_echo(ctx, "client", block, got));
    stats = srv->shim_stats();
    if (stats && stats->loaded && stats->short_writes == 0 && stats->stream_writes > 0 &&
        stats->one_byte_writes == stats->stream_writes) {
      return {};  // every write was of one byte: none could be short, and the echo was exact
    }
    if (!stats || !stats->loaded || stats->short_writes == 0) {
      return harness_error("the preload shim did not shorten any write of the server (was it loaded?)");
    }
    return {};
  };
  auto r = with_shim_note(ctx, steps(), [](const faults::ShimStats& s) -> std::string {
    if (s.short_writes == 0) return "";
    return " — the shim had made " + std::to_string(s.short_writes) + " of the server's writes short (" +
           format_bytes(s.bytes_withheld) + " left unwritten by them): a write that returns less than asked must be "
           "called again for the rest";
  });
  std::string msg = "the echo stayed exact";
  if (stats && stats->short_writes == 0 && stats->stream_writes > 0) {
    ctx.evidence()["proof"] = "shim: " + std::to_string(stats->one_byte_writes) + " of " +
                              std::to_string(stats->stream_writes) + " socket writes were of 1 byte";
    msg += "; every one of the server's " + std::to_string(stats->stream_writes) +
           " writes was of a single byte, which cannot be short, so none was cut";
  } else if (stats) {
    msg += " while " + std::to_string(stats->short_writes) + " of the server's writes were cut short";
  }
  return conclude(std::move(r), msg);
}

Outcome eintr(Context& ctx) {
  std::optional<faults::ShimStats> stats;
  auto steps = [&]() -> Step<void> {
    SG_CHECK(ctx.require_preload());
    ServerOptions opts;
    opts.shim = faults::ShimConfig{0, 250, 3};
    SG_TRY(auto* srv, ctx.start_server(opts));
    auto rng = ctx.rng("payload");
    for (int c = 1; c <= 8; ++c) {
      std::string who = "client#" + std::to_string(c);
      SG_TRY(auto client, ctx.connect(who));
      for (int i = 1; i <= 4; ++i) {
        SG_CHECK(round_trip(ctx, client, who + " line " + std::to_string(i) + ": " + rng.text(rng.between(8, 80)) + "\n"));
      }
      std::string block = rng.text(32 * 1024);
      auto got = client.exchange(block, block.size(), ctx.ms(3000), ctx.deadline(10000));
      SG_CHECK(expect_echo(ctx, who, block, got));
      client.close();
    }
    stats = srv->shim_stats();
    if (!stats || !stats->loaded || stats->eintr == 0) {
      return harness_error("the preload shim interrupted no call of the server (was it loaded?)");
    }
    return {};
  };
  auto r = with_shim_note(ctx, steps(), [](const faults::ShimStats& s) -> std::string {
    if (s.eintr == 0) return "";
    return " (by then the shim had made " + std::to_string(s.eintr) + " of the server's socket calls fail with EINTR)";
  });
  std::string msg = "8 clients served exactly";
  if (stats) msg += " while " + std::to_string(stats->eintr) + " of the server's socket calls failed with EINTR";
  return conclude(std::move(r), msg);
}

// The proxy reads the server's echo through a small buffer, in bursts with pauses: the server's
// writes must wait (block, or poll for POLLOUT), neither losing data nor spinning. A busy loop is
// named only when proven: high CPU, and a task of the server seen running while its send queue
// was full and still (BusyWriteWatch). A blocking server with a tiny buffer uses CPU too (two
// syscalls per byte), but sleeps in write() whenever the queue is full: it passes.
Outcome slow_reader(Context& ctx) {
  auto size = static_cast<std::size_t>(ctx.param("bytes"));
  constexpr double kMaxCpuShare = 0.15;
  constexpr double kMaxRunnableShare = 0.5;  // a spinning server: 77-91% here; a blocking one: 1%
  auto steps = [&]() -> Step<void> {
    // The server's send buffer must fill for its writes to wait, for most of the stream: capped
    // at 64 KiB (the proxy's receive buffer is small too); where it cannot be capped (a static
    // server without a namespace), the stream outgrows the default 4 MiB instead.
    ServerOptions opts;
    auto cap = ctx.cap_server_send_buffer(64 * 1024, opts);
    if (cap == 0) size = std::max<std::size_t>(size, 6 << 20);
    ctx.evidence()["tcp_wmem_max"] = cap;
    SG_TRY(auto* srv, ctx.start_server(opts));
    SG_CHECK(ctx.start_proxy({"slow-reader:rcvbuf=32768,bytes=65536,interval_ms=50,direction=from-program"}));
    SG_TRY(auto client, ctx.connect_via_proxy("client"));
    std::string block = ctx.rng("payload").text(size);
    auto cpu_before = net::sample_cpu(srv->pid());
    Stopwatch clock;
    BusyWriteWatch watch(srv->pid(), srv->endpoint().port);
    // A deadline that runs out here while a loaded machine keeps the server off the CPUs (a
    // server moving one byte per call needs CPU for every byte) is excused by the runner, which
    // watches every program from its start (starvation.hpp).
    auto got = client.exchange(block, block.size(), ctx.ms(5000), ctx.deadline(60000));
    auto seen = watch.stop();
    auto use = net::cpu_use_since(cpu_before, srv->pid());
    double cpu_ms = use.cpu_ms;
    double wall_ms = clock.elapsed_ms();
    auto& ev = ctx.evidence();
    ev["server_cpu_ms"] = cpu_ms;
    ev["server_runnable_ms"] = use.runnable_ms;
    ev["wall_ms"] = wall_ms;
    ev["looks_with_full_send_queue"] = seen.full_samples;
    ev["running_while_full"] = seen.running_while_full;
    ev["waiting_while_full"] = seen.waiting_while_full;
    SG_CHECK(in_context(expect_echo(ctx, "client", block, got), "the echo was read slowly (a small buffer emptied every 50 ms): "));
    SG_CHECK(expect_quiet_after_echo(ctx, client, block.size()));
    // Runnable (on a CPU or waiting for one) most of the time: it never waited for the reader,
    // even if a loaded machine gave it little CPU.
    bool busy = cpu_ms > kMaxCpuShare * wall_ms || use.runnable_ms > kMaxRunnableShare * wall_ms;
    if (busy && seen.proven()) {
      ev["proof"] = seen.proof();
      // How busy, in numbers that vary from run to run, goes into the evidence only.
      ev["busy"] = busy_sentence(cpu_ms, use.runnable_ms, wall_ms);
      return failed("the echo was exact, but while its writes had to wait for the slow reader the server kept "
                    "running, seen again and again with its send queue full and not moving: it retries a write that "
                    "would block (EAGAIN) in a busy loop instead of blocking or polling for POLLOUT");
    }
    return {};
  };
  return conclude(steps(), format_bytes(size) + " echoed exactly to a slow reader, the server waiting without spinning");
}

// The echo-client lab: the harness plays the echo server and feeds the client's stdin.

Outcome client_one_byte_segments(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    ServerPlay play;
    play.segment = 1;
    play.gap_ms = 5;  // a line takes 100-300 ms: one read() cannot get it all
    ClientSession s(ctx, play);
    SG_CHECK(s.listen());
    SG_CHECK(s.start());
    return interactive_lines(ctx, s, 3, "the server echoes one byte per segment, 5 ms apart; ");
  };
  return conclude(steps(), "3 lines echoed one byte per segment were each printed whole before the next");
}

Outcome client_short_writes(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    SG_CHECK(ctx.require_preload());
    ClientOptions opts;
    opts.shim = faults::ShimConfig{-1, 0, 3};
    ClientSession s(ctx, {});
    SG_CHECK(s.listen());
    SG_TRY(auto* c, s.start(opts));
    std::string payload = ctx.rng("payload").text(256 * 1024);
    c->feed(payload);
    auto done = [&] { return c->output().size() >= payload.size(); };
    auto stop = s.run(done, ctx.deadline(30000), ctx.ms(3000));
    if (stop == ClientSession::Stop::stalled) {
      // Short writes split the data into more pieces: a client that reads one piece per
      // chunk sent prints the rest only after EOF. That is the segment checks' business;
      // here what counts is that no byte is lost, so EOF gets its chance.
      c->close_stdin();
      stop = s.run(done, ctx.deadline(30000), ctx.ms(3000));
    }
    SG_CHECK(expect_printed(ctx, s, payload, stop,
                            "256 KiB fed to stdin while the client's own write()/send() calls returned short "
                            "counts: "));
    auto stats = c->shim_stats();
    if (!stats || !stats->loaded || stats->short_writes == 0) {
      return harness_error("the preload shim did not shorten any write of the client (was it loaded?)");
    }
    ctx.evidence()["short_writes"] = stats->short_writes;
    return {};
  };
  return conclude(steps(), "every short write of the client was completed: 256 KiB arrived and printed exactly");
}

// The daytime-client lab: the harness plays the daytime server.

Outcome daytime_sliced(Context& ctx) {
  ServerPlay play;
  play.segment = 1;
  play.gap_ms = 2;
  return conclude(expect_reply_printed(ctx, kDaytimeReply, play, "the server sent the time one byte per segment, 2 ms apart: "),
                  "a reply in 44 one-byte segments was printed whole");
}

}  // namespace

// This file's checks: each check described in labs/checks/partial-io.json runs the function named
// after its id (partial-io.one-byte-segments: one_byte_segments()). The build writes
// partial_io_checks(), the list that pairs them (checks/list_functions.cmake).
#include "checks/partial_io_checks.inc"

}  // namespace sockgrade::checks
