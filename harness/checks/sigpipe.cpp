// sigpipe: a peer that vanishes while the program writes. A server must survive the EPIPE
// (SIGPIPE ignored, or MSG_NOSIGNAL) and serve the next client; a client (the echo-client lab)
// must survive it too, and report the failed write on stderr with a non-zero status.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <optional>

#include "cell/net_ns.hpp"
#include "checks/catalogue.hpp"
#include "core/bytes.hpp"
#include "core/wait.hpp"
#include "grading/client_session.hpp"
#include "grading/context.hpp"
#include "grading/server_under_test.hpp"
#include "grading/verify.hpp"
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

constexpr uint64_t kPiledUp = 16 * 1024;  // unread at the server before it counts as stopped

// Whether the server has stopped reading: blocked writing its echo while our data piles up
// unread at its side, seen kQuietRounds times in a row (a server waiting a moment for an
// acknowledgement is also "blocked in write()"; stopped means this many acknowledged pieces in
// a row arrived while it read none of them).
class PileUpWatch {
 public:
  explicit PileUpWatch(long send_buffer_max) : send_buffer_max_(send_buffer_max) {}

  // One look at the server's side of the connection, after the client's unacknowledged bytes
  // drained; true once it has stopped reading with kPiledUp unread.
  bool observe(ServerUnderTest& srv, const std::optional<net::SocketRow>& row, uint64_t unacked) {
    unread_ = row ? row->rx_queue : 0;
    // Not reading because its echo cannot go out: blocked in write(), or (a server that waits
    // for writability, or retries EAGAIN) its send queue half the buffer's maximum, or queued
    // and no longer moving since the last look (the client reads nothing, so its window stays
    // closed). The maximum is measured, never 0: without a namespace it is the host's own.
    bool queue_stuck = row && row->tx_queue > 0 &&
                       (row->tx_queue >= static_cast<uint64_t>(send_buffer_max_ / 2) ||
                        (seen_queue_ && queued_before_ == row->tx_queue));
    seen_queue_ = row.has_value();
    queued_before_ = row ? row->tx_queue : 0;
    // The cheap observation first: a scan of the process tree costs milliseconds in a busy host.
    bool stopped_now = unread_ > 0 && (queue_stuck || blocked_in_write(srv));
    // Everything acknowledged since the last look is still unread: the server read nothing.
    bool read_nothing = stopped_reading_ && unacked == 0 && unread_ >= unread_before_ + sent_since_;
    quiet_rounds_ = stopped_now && read_nothing ? quiet_rounds_ + 1 : 0;
    stopped_reading_ = stopped_now;
    return quiet_rounds_ >= kQuietRounds && unread_ >= kPiledUp;
  }
  void sent(uint64_t bytes) {
    unread_before_ = unread_;
    sent_since_ = bytes;
  }
  uint64_t unread() const { return unread_; }
  bool stopped_reading() const { return stopped_reading_; }
  bool seen_quiet() const { return quiet_rounds_ > 0; }

 private:
  static constexpr int kQuietRounds = 3;
  long send_buffer_max_;
  uint64_t unread_ = 0;
  uint64_t unread_before_ = 0;  // at the previous look
  uint64_t sent_since_ = 0;     // since the previous look
  bool seen_queue_ = false;     // the previous look found the server's side
  uint64_t queued_before_ = 0;  // its send queue then
  bool stopped_reading_ = false;
  int quiet_rounds_ = 0;
};

// Data unread at the server, which is not writing an echo: it does not read at all.
Unexpected<Outcome> stopped_reading_at_all(Context& ctx, const std::string& who, uint64_t total,
                                           const net::SocketRow& row) {
  return timed_out(who + " sent " + format_bytes(total) + " and the server read none of the last " +
                   format_bytes(row.rx_queue) + " for " + ctx.human(10000) +
                   " although it was not blocked writing an echo: it stopped reading (never accepted, or busy "
                   "elsewhere)");
}

// The client's window closed with the server not blocked in write(): it does not read at all
// (a server that never accepts, or spins): the program's fault, not the harness's.
Step<bool> window_closed(Context& ctx, ServerUnderTest& srv, const net::Peer& client, const std::string& who,
                         uint64_t total) {
  auto row = server_side(srv, client);
  ctx.evidence()["sent_bytes"] = total;
  ctx.evidence()["server_unread_bytes"] = row ? row->rx_queue : 0;
  SG_CHECK(srv.expect_alive("while " + who + " was sending"));
  if (row && row->rx_queue > 0 && !blocked_in_write(srv)) return stopped_reading_at_all(ctx, who, total, *row);
  return harness_error("the data of " + who + " was not acknowledged by the server's kernel (after " +
                       format_bytes(total) + ")");
}

// The 10 s (or 64 MiB) ran out before the server was seen to stop reading.
Step<bool> out_of_time(Context& ctx, ServerUnderTest& srv, const std::optional<net::SocketRow>& row,
                       const std::string& who, uint64_t total) {
  auto& ev = ctx.evidence();
  ev["sent_bytes"] = total;
  SG_CHECK(srv.expect_alive("while " + who + " was sending without reading"));
  // Its echo is queued for the client: it does echo, its send buffer (up to megabytes without a
  // namespace) had not filled yet. Not the program's fault.
  if (row && row->tx_queue > 0) {
    ev["server_queued_echo_bytes"] = row->tx_queue;
    return harness_error(who + " sent " + format_bytes(total) + " in " + ctx.human(10000) +
                         " and the server echoed it into its send buffer (" + format_bytes(row->tx_queue) +
                         " queued), which had not filled yet: the situation could not be built in time");
  }
  // On a starved machine the deadline may come before the window closes: unread data still
  // proves a server that does not read; only an empty receive queue proves that it reads.
  ev["server_unread_bytes"] = row ? row->rx_queue : 0;
  if (row && row->rx_queue > 0 && !blocked_in_write(srv)) return stopped_reading_at_all(ctx, who, total, *row);
  if (!row || row->rx_queue > 0) {
    return harness_error(who + " sent " + format_bytes(total) + " in " + ctx.human(10000) +
                         " without the situation arising, and what the server did with it is not known");
  }
  return failed(who + " sent " + format_bytes(total) + " and read nothing, yet the server kept reading: "
                "it does not echo what it reads");
}

// The server has stopped reading: the client half-closes (acknowledged: the server's side is in
// CLOSE_WAIT) and resets. True when the reset meets a write: one is pending, or the server still
// has data to read and echo.
Step<bool> half_close_and_reset(Context& ctx, ServerUnderTest& srv, net::Peer& client, const std::string& who,
                                uint64_t total, uint64_t unread) {
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
  auto& ev = ctx.evidence();
  ev["sent_bytes"] = total;
  ev["server_unread_bytes_at_reset"] = unread_data;
  ev["server_state_at_reset"] = row ? net::tcp_state_name(row->state) : "gone";
  ev["server_blocked_in_write_at_reset"] = blocked;
  client.reset();
  return unread_data > 0 || blocked;
}

// Builds the situation of BRIEF §9 step by step. The client never reads, so the server's echo
// fills the client's small window and the server's send buffer until the server blocks in
// write() and stops reading; the client goes on sending, one acknowledged piece at a time (each
// well inside the window the server advertises), until data the server has not read piles up
// on its side. The client then half-closes and resets (half_close_and_reset). The server still
// has bytes to read and echo, so its pending or next write() meets the reset: EPIPE, and SIGPIPE.
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
  constexpr uint64_t kMaxBytes = 64ull << 20;
  constexpr int kInFlight = 32 * 1024;  // well inside the window the server advertises
  constexpr std::size_t kQuietPiece = 4096;
  auto deadline = ctx.deadline(10000);
  uint64_t total = 0;
  PileUpWatch watch(send_buffer_max);
  for (;;) {
    // Once data piles up at the server, each piece must be acknowledged before the next.
    int allowed = watch.stopped_reading() ? 1 : kInFlight;
    if (!wait_until(deadline, [&] { return client.unacked() < allowed || client.tcp_state() != net::kTcpEstablished; })) {
      return window_closed(ctx, srv, client, who, total);
    }
    if (client.tcp_state() != net::kTcpEstablished) {
      ctx.evidence()["sent_bytes"] = total;
      SG_CHECK(srv.expect_alive("while " + who + " was sending (before it read anything)"));
      return failed("the server closed " + who + "'s connection after " + format_bytes(total) +
                    " without echoing it all, so the situation this check needs (a server blocked writing its "
                    "echo) could not arise");
    }
    auto row = server_side(srv, client);
    if (watch.observe(srv, row, client.unacked())) break;
    if (total > kMaxBytes || deadline.expired()) return out_of_time(ctx, srv, row, who, total);
    // A server that reads slowly (one byte per call) must not have its receive buffer filled
    // while it still reads (our data would be stuck unacknowledged when it stops): with
    // kPiledUp unread at its side, wait until it reads some, or reads nothing for 100 ms; more
    // goes only in small pieces then.
    const uint64_t unread = watch.unread();
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
    if (watch.seen_quiet() || unread >= kPiledUp) piece = piece.substr(0, kQuietPiece);
    auto s = client.send_nonblocking(piece);
    if (s.end == net::End::reset || s.end == net::End::error) {
      SG_CHECK(srv.expect_alive("while " + who + " was sending"));
      return failed("while " + who + " was sending, " + s.describe() + ", before the server's echo filled the buffers");
    }
    total += s.bytes;
    watch.sent(s.bytes);
  }
  return half_close_and_reset(ctx, srv, client, who, total, watch.unread());
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
    auto max = cap > 0 ? cell::SendBufferMax{cap, true} : cell::tcp_send_buffer_max();
    ctx.evidence()["tcp_wmem_max"] = max.bytes;
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

// The echo-client lab: the harness plays the echo server and feeds the client's stdin.

bool is_write_syscall(long nr) { return net::call_kind(nr) == net::CallKind::write; }

// Blocked for good: in write(), with data its kernel cannot send (the server's window is
// closed). A write() that waits only for acknowledgements in flight resumes by itself.
bool client_blocked_in_write(ClientSession& s, pid_t pid) {
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
  auto blocked = [&] { return client_blocked_in_write(s, pid); };
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
    if (was_blocked) s.run([&] { return client_blocked_in_write(s, c->pid()); }, ctx.deadline(1000));
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

}  // namespace

// This file's checks: each check described in labs/checks/sigpipe.json runs the function named
// after its id (sigpipe.peer-vanishes: peer_vanishes()). The build writes sigpipe_checks(), the
// list that pairs them (checks/list_functions.cmake).
#include "checks/sigpipe_checks.inc"

}  // namespace sockgrade::checks
