// The echo-client lab (BRIEF §2): the harness plays the echo server and feeds the client's
// stdin. Checks in every category the contract touches: the bytes printed (basic), argv and a
// refused connection (connect-accept), sliced replies and the client's own short writes
// (partial-io), half-close and a slow or vanishing server (shutdown, sigpipe).
#include <signal.h>

#include <algorithm>

#include "cell/net_ns.hpp"
#include "grading/client_session.hpp"
#include "checks/catalogue.hpp"
#include "core/bytes.hpp"
#include "core/strings.hpp"
#include "core/wait.hpp"
#include "net/observe.hpp"
#include "net/procfs.hpp"

namespace sockgrade::checks {
namespace {

// Lines fed one at a time, each echo awaited on stdout before the next: what a user at a
// terminal does. Stdin stays open, so nothing here depends on what the client does at EOF.
// `taken_is_enough`: for checks about something else, a line counts as done once the client has
// read its whole echo from the socket, printed or not (a block-buffered stdout prints later).
Step<void> interactive_lines(Context& ctx, ClientSession& s, int count, const std::string& scene,
                             bool taken_is_enough = false) {
  auto& c = s.client();
  auto rng = ctx.rng("lines");
  std::string all;
  for (int i = 1; i <= count; ++i) {
    std::string line = "line " + std::to_string(i) + ": " + rng.text(rng.between(8, 60)) + "\n";
    all += line;
    c.feed(line);
    auto taken = [&] {
      return taken_is_enough && s.sent() >= all.size() && s.server_unacked() == 0 && s.client_unread() == 0;
    };
    auto stop = s.run([&] { return c.output().size() >= all.size() || taken(); }, ctx.deadline(3000));
    if (c.output().size() < all.size() && taken()) continue;
    SG_CHECK(expect_printed(ctx, s, all, stop,
                            scene + "line " + std::to_string(i) + " of " + std::to_string(count) + " fed to stdin: "));
  }
  return {};
}

// For checks that judge the bytes, not when they appear: when the output stopped short with
// everything read from the socket, the rest may sit in the client's stdio buffer (stdout is a
// pipe here); it comes out at exit, so stdin is closed and the client left to finish. The
// observation goes into the evidence; interactive checks fail on it instead.
ClientSession::Stop print_by_exit(Context& ctx, ClientSession& s, std::string_view expected, ClientSession::Stop stop) {
  if (stop == ClientSession::Stop::done || stop == ClientSession::Stop::exited) return stop;
  auto proof = bytes_held_until_exit(ctx, s, expected);
  if (!proof) return stop;
  // Not a cause named for a failure: an observation the pass rests on.
  ctx.evidence().erase("proof");
  ctx.evidence()["stdout_block_buffered"] = *proof;
  return ClientSession::Stop::exited;
}

Outcome client_small(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    ClientSession s(ctx, {});
    SG_CHECK(s.listen());
    SG_CHECK(s.start());
    return interactive_lines(ctx, s, 3, "");
  };
  return conclude(steps(), "3 lines typed one at a time were each printed back before the next");
}

std::string all_byte_values(Rng rng) {
  std::string s(256, '\0');
  for (int i = 0; i < 256; ++i) s[static_cast<std::size_t>(i)] = static_cast<char>(i);
  std::string shuffled = s;
  for (std::size_t i = shuffled.size() - 1; i > 0; --i) std::swap(shuffled[i], shuffled[rng.between(0, i)]);
  std::string out = s + shuffled;
  std::reverse(s.begin(), s.end());
  return out + s + std::string(4, '\0');
}

Outcome client_binary(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    ClientSession s(ctx, {});
    SG_CHECK(s.listen());
    SG_TRY(auto* c, s.start());
    std::string payload = all_byte_values(ctx.rng("payload"));
    c->feed(payload);
    auto stop = s.run([&] { return c->output().size() >= payload.size(); }, ctx.deadline(3000), ctx.ms(1000));
    stop = print_by_exit(ctx, s, payload, stop);
    return expect_printed(ctx, s, payload, stop, "772 bytes with every byte value and NULs fed to stdin: ");
  };
  return conclude(steps(), "all 256 byte values, NULs included, went through the client exactly (772 B)");
}

Outcome client_large_stream(Context& ctx) {
  auto size = static_cast<std::size_t>(ctx.param("bytes"));
  Stopwatch clock;
  auto steps = [&]() -> Step<void> {
    // Like a real echo server, the harness stops reading while 256 KiB of echo wait to go
    // back: a client that does not read while it writes fills every buffer and stalls.
    ClientSession s(ctx, {});
    SG_CHECK(s.listen());
    SG_TRY(auto* c, s.start());
    std::string payload = ctx.rng("stream").bytes(size);
    c->feed(payload);
    auto stop = s.run([&] { return c->output().size() >= payload.size(); }, ctx.deadline(120000), ctx.ms(3000));
    stop = print_by_exit(ctx, s, payload, stop);
    return expect_printed(ctx, s, payload, stop,
                          format_bytes(size) + " fed to stdin while the server echoed (it stops reading while "
                                           "256 KiB of its echo are not read): ");
  };
  auto r = steps();
  return conclude(std::move(r), format_bytes(size) + " went to the server and back to stdout exactly in " +
                                    format_duration(Millis(clock.elapsed_whole_ms())));
}

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

bool is_write_syscall(long nr) { return net::call_kind(nr) == net::CallKind::write; }

// Blocked for good: in write(), with data its kernel cannot send (the server's window is
// closed). A write() that waits only for acknowledgements in flight resumes by itself.
bool blocked_in_write(ClientSession& s, pid_t pid) {
  auto calls = net::blocked_syscalls(net::process_tree(pid));
  return std::any_of(calls.begin(), calls.end(), is_write_syscall) && s.client_unacked() >= 16 * 1024;
}

// Every thread asleep with nothing moving (a client that waits for its echo before writing more).
bool all_asleep(pid_t pid) {
  auto calls = net::blocked_syscalls(net::process_tree(pid));
  return !calls.empty() && std::none_of(calls.begin(), calls.end(), [](long nr) { return nr < 0; });
}

// Feeds the client until it is blocked in write() for good (true) or asleep (false), the server
// reading nothing and holding the client's bytes unread.
Step<bool> drive_into_blocked_write(Context& ctx, ClientSession& s, ClientUnderTest& c) {
  auto pid = c.pid();
  auto blocked = [&] { return blocked_in_write(s, pid); };
  // Looked at every 5 ms at most while bytes move: a look scans /proc, and the loop that
  // moves the mirror's pieces turns thousands of times.
  auto last_look = Clock::time_point::min();
  auto blocked_now = [&] {
    if (!s.accepted() || s.unread() == 0 || Clock::now() - last_look < std::chrono::milliseconds(5)) return false;
    last_look = Clock::now();
    return blocked();
  };
  auto stop = s.run(blocked_now, ctx.deadline(5000), ctx.ms(500));
  if (stop == ClientSession::Stop::stalled && !(s.accepted() && s.unread() > 0 && all_asleep(pid))) {
    stop = s.run([&] { return s.accepted() && s.unread() > 0 && (blocked() || all_asleep(pid)); }, ctx.deadline(5000));
  }
  if (!s.accepted()) return never_connected(ctx, s, "the server waited for the client's data: ");
  if (s.unread() == 0) {
    s.record_evidence();
    std::string m = "the server waited for the client's data, but none came";
    return stop == ClientSession::Stop::exited ? failed(m + " and the client " + c.fate_sentence()) : timed_out(m);
  }
  // Settled: the server's kernel may still reopen its window a few times as it packs the
  // data it holds; the scenario needs the write() blocked for good, so the state must last.
  for (int round = 0; round < 20 && blocked(); ++round) {
    int unread = s.unread();
    auto fed = c.stdin_written();
    auto changed = [&] { return s.unread() != unread || c.stdin_written() != fed; };
    if (s.run(changed, ctx.deadline(200)) != ClientSession::Stop::done) break;
    s.run(blocked, ctx.deadline(2000));
  }
  bool was_blocked = blocked();
  ctx.evidence()["client_blocked_in_write"] = was_blocked;
  ctx.trace().add("harness", "observe", std::string("the client ") +
                                            (was_blocked ? "is blocked in write()" : "waits, all its threads asleep"));
  return was_blocked;
}

// BRIEF §9: the client blocked writing to a server that stopped reading; the server half-closes,
// its FIN is acknowledged (the client's side is in CLOSE_WAIT), then it resets. The client's
// pending write() fails with EPIPE — and raises SIGPIPE unless the client ignores it.
Outcome client_server_vanishes(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    // Small buffers in the cell's namespace: the client blocks after some hundred KiB.
    if (ctx.settings().private_network) (void)cell::cap_tcp_send_buffers(256 * 1024);
    // The server answers every line with its echo (it knows the input) but never reads: a client
    // that waits for each reply before it writes the next line (the usual single-threaded loop)
    // goes on writing as a two-threaded one does, until its write() blocks.
    std::string input = ctx.rng("stream").text(16u << 20);
    for (std::size_t i = 999; i < input.size(); i += 1000) input[i] = '\n';
    ServerPlay play;
    play.mode = ServerPlay::Mode::mirror;
    play.reply = input;
    play.rcvbuf = 16 * 1024;
    ClientSession s(ctx, play);
    SG_CHECK(s.listen());
    SG_TRY(auto* c, s.start());
    c->feed(input);
    SG_TRY(bool was_blocked, drive_into_blocked_write(ctx, s, *c));
    // The answers must all be out before the FIN can follow them.
    s.stop_sending();
    s.run([&] { return s.server_unsent() == 0; }, ctx.deadline(2000));
    s.half_close();
    // Acknowledged: FIN_WAIT2, or later states when the client closed at once.
    // Waits go on feeding stdin: a client whose input runs dry stops writing.
    auto fin_acked = [&] { return s.tcp_state() != net::kTcpFinWait1; };
    if (s.run(fin_acked, ctx.deadline(2000)) == ClientSession::Stop::deadline && !fin_acked()) {
      return harness_error("the server's FIN was not acknowledged by the client's kernel");
    }
    // The FIN may let a pending write() complete (the server's kernel can reopen its window
    // when it sends it); a client that goes on writing blocks again at once. The reset must
    // meet a blocked write() for the scenario of BRIEF §9, so wait for that state again.
    if (was_blocked) s.run([&] { return blocked_in_write(s, c->pid()); }, ctx.deadline(1000));
    s.reset();
    s.run_until_exit(ctx.deadline(3000));
    return expect_error_exit(ctx, s, std::string("the client ") +
                                         (was_blocked ? "was blocked writing to" : "was waiting on") +
                                         " a server that had stopped reading; the server half-closed, then reset: ");
  };
  return conclude(steps(), "the client survived the server's vanishing (no SIGPIPE) and reported it on stderr "
                           "with a non-zero status");
}

// `./client | head -c 10`: the reader of stdout leaves after 10 bytes while replies keep coming;
// the client's next write to stdout fails with EPIPE and raises SIGPIPE, which must not end it
// silently: like any error, it is reported on stderr with a non-zero status.
Outcome client_stdout_closed(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    ClientSession s(ctx, {});
    SG_CHECK(s.listen());
    SG_TRY(auto* c, s.start());
    auto rng = ctx.rng("lines");
    auto lines = [&](std::size_t bytes) {
      std::string text;
      while (text.size() < bytes) text += rng.text(rng.between(20, 80)) + "\n";
      return text;
    };
    // Enough for a block-buffered stdout to be flushed once (its buffer is 4 KiB).
    std::string first = lines(64 * 1024);
    c->feed(first);
    auto stop = s.run([&] { return c->output_total() >= 10; }, ctx.deadline(3000));
    if (c->output_total() < 10) {
      return expect_printed(ctx, s, first, stop, "64 KiB of lines fed to stdin, to be read 10 bytes of: ");
    }
    c->close_stdout_reader();
    // More replies to print: the next write to stdout meets the closed pipe.
    c->feed(lines(256 * 1024));
    s.run_until_exit(ctx.deadline(5000));
    return expect_error_exit(ctx, s,
                             "stdout is a pipe whose reader left after reading " + format_bytes(c->output_total()) +
                                 " (as `./client | head -c 10` does) while more lines were fed: ",
                             "it wrote to its stdout, a pipe whose reader had left");
  };
  return conclude(steps(), "when the reader of its stdout left, the client reported the failed write on stderr "
                           "and exited with a non-zero status");
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

CheckInfo info(std::string id, std::string title, std::string requirement, std::string hint, int budget_ms,
               int typical_ms = 100, std::vector<ParamSpec> params = {}) {
  CheckInfo i;
  i.id = std::move(id);
  i.category = i.id.substr(0, i.id.find('.'));
  i.title = std::move(title);
  i.requirement = std::move(requirement);
  i.hint = std::move(hint);
  i.role = "client";
  i.params = std::move(params);
  i.budget_ms = budget_ms;
  i.typical_ms = typical_ms;
  return i;
}

}  // namespace

std::vector<CheckDef> client_checks() {
  return {
      {info("basic.client-echo", "Lines typed one at a time are printed back",
            "The client copies stdin to the server and the server's bytes to stdout.",
            "Read stdin, write what you read to the socket, read the socket and write what arrives to "
            "stdout; print each reply as soon as it arrives (stdout is a pipe when graded, so stdio buffers it in "
            "blocks: fflush(stdout) after printf()/fputs(), or write(1, ...)).",
            15000),
       client_small},
      {info("basic.client-binary", "Binary data, all 256 byte values and NULs, goes through exactly",
            "The client is byte-exact both ways: the data is not text and may contain NUL bytes.",
            "Use read()/write() with the byte counts they return; fgets(), strlen(), printf(\"%s\") and "
            "fputs() stop at the first NUL byte.",
            15000),
       client_binary},
      {info("basic.client-large-stream", "A multi-MiB stream goes both ways without deadlock",
            "The client keeps reading the server's replies while it sends, whatever the size of the input.",
            "A client that writes all its input before reading fills the server's buffers and its own: both "
            "sides then wait forever. Read the socket while you write (poll()/select(), or one thread or process "
            "per direction).",
            150000, 2000, {{"bytes", 8 << 20, 1 << 20, 256 << 20, "size of the stream in bytes"}}),
       client_large_stream},
      {info("connect-accept.client-argv", "Connects to the HOST and PORT given on the command line",
            "./client HOST PORT connects to HOST:PORT (the defaults only apply without arguments).",
            "Take the host from argv[1] and the port from argv[2] (htons(atoi(argv[2]))), falling back to the "
            "defaults only when they are missing.",
            10000),
       client_argv},
      {info("connect-accept.client-refused", "A refused connection is reported at once",
            "When connect() fails the client says why on stderr and exits with a non-zero status, without "
            "waiting for input; the attempt itself is proven (the sandbox's TCP counters, or its socket seen in "
            "SYN_SENT), so a client that only prints a usage message gets nothing.",
            "Check connect()'s return value; on -1 print the reason (perror(\"connect\")) and exit(1).", 10000),
       client_refused},
      {info("partial-io.client-one-byte-segments", "Replies split into 1-byte segments are printed whole",
            "A reply can arrive in any number of pieces; the client prints all of it.",
            "One read() returns what has arrived so far, possibly a single byte. Keep reading (and printing) "
            "until the reply is complete, instead of one read() per line sent.",
            15000, 300),
       client_one_byte_segments},
      {info("partial-io.client-short-writes", "The client's own short writes are completed",
            "Every byte read from stdin reaches the server and every byte received reaches stdout.",
            "write() and send() may write fewer bytes than asked: loop until all n bytes are out "
            "(a write_all() helper).",
            40000, 500),
       client_short_writes},
      {info("shutdown.client-half-close", "At stdin EOF: half-close, print the rest, exit 0 when the server closes",
            "At stdin EOF the client half-closes (shutdown SHUT_WR), keeps printing until the server closes, then "
            "exits 0.",
            "At EOF on stdin call shutdown(sock, SHUT_WR) (not close()), keep reading the socket until read() "
            "returns 0, then exit(0).",
            15000, 300),
       client_half_close},
      {info("shutdown.client-slow-server", "Every echo of a slow server is printed, even after stdin EOF",
            "The client does not exit before the server has sent everything back.",
            "Stdin EOF means no more input, not the end of the replies: keep reading the socket until the "
            "server closes it.",
            15000, 600),
       client_slow_server},
      {info("shutdown.client-server-closes-early", "A server that closes early is reported, no hang",
            "When the server closes the connection before the client's input is sent, the client reports it and "
            "exits non-zero.",
            "read() returning 0 before you half-closed, or write() failing with EPIPE/ECONNRESET, is an error: "
            "print it on stderr and exit(1). Ignore SIGPIPE so that the failed write is reported.",
            15000, 300),
       client_server_closes_early},
      {info("shutdown.client-reset-by-server", "A connection reset by the server is reported, no hang",
            "An RST from the server ends the client with a message and a non-zero status.",
            "read() or write() failing with ECONNRESET is an error: print it (perror) and exit(1).", 15000, 300),
       client_reset_by_server},
      {info("sigpipe.client-server-vanishes", "Not killed by SIGPIPE when the server vanishes mid-write",
            "A write to a connection the server has reset fails with EPIPE, which the client reports.",
            "Writing to a reset connection raises SIGPIPE, whose default action kills the process silently. "
            "Ignore it (signal(SIGPIPE, SIG_IGN)) or send with MSG_NOSIGNAL, then report the EPIPE from write().",
            20000, 800),
       client_server_vanishes},
      {info("sigpipe.client-stdout-closed", "Not killed by SIGPIPE when the reader of stdout leaves",
            "When stdout is a pipe whose reader has left (./client | head -c 10), the client reports the failed "
            "write on stderr and exits with a non-zero status.",
            "A write to a pipe nobody reads raises SIGPIPE, which kills the process without a word. With "
            "signal(SIGPIPE, SIG_IGN) the write fails with EPIPE instead: check every write to stdout, and on an "
            "error say so (perror) and exit(1).",
            15000, 300),
       client_stdout_closed},
  };
}

}  // namespace sockgrade::checks
