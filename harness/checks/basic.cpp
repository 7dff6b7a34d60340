// basic: bytes in = bytes out — small, binary (all 256 values), interactive, multi-MiB; for the
// echo servers, then the clients (echo, daytime, UDP), and the build's program name (any lab).
#include <algorithm>
#include <filesystem>
#include <numeric>

#include "checks/catalogue.hpp"
#include "checks/client_scenarios.hpp"
#include "checks/udp_scenarios.hpp"
#include "core/bytes.hpp"
#include "core/clock.hpp"
#include "core/wait.hpp"
#include "grading/context.hpp"
#include "grading/server_under_test.hpp"
#include "grading/verify.hpp"

namespace sockgrade::checks {
namespace {

Step<void> small_echo_steps(Context& ctx) {
  SG_TRY(auto* srv, ctx.start_server());
  (void)srv;
  SG_TRY(auto client, ctx.connect("client"));
  const std::string msg = "hello, sockgrade\n";
  SG_CHECK(expect_sent(ctx, "client", msg.size(), client.send(msg, ctx.deadline(2000))));
  auto got = client.receive(msg.size(), ctx.deadline(2000));
  SG_CHECK(expect_echo(ctx, "client", msg, got));
  SG_CHECK(expect_quiet_after_echo(ctx, client, msg.size()));
  return {};
}

Outcome small_echo(Context& ctx) {
  return conclude(small_echo_steps(ctx), "a 17-byte line came back exactly, and nothing after it");
}

// 0..255 then the same values shuffled, starting with NUL: a server that treats the data as a
// C string (strlen, printf("%s")) echoes nothing of it.
std::string all_byte_values(Rng rng) {
  std::string s(256, '\0');
  for (int i = 0; i < 256; ++i) s[static_cast<std::size_t>(i)] = static_cast<char>(i);
  std::string shuffled = s;
  for (std::size_t i = shuffled.size() - 1; i > 0; --i) std::swap(shuffled[i], shuffled[rng.between(0, i)]);
  std::string out = s + shuffled;
  std::reverse(s.begin(), s.end());
  return out + s + std::string(4, '\0');
}

Outcome binary(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    SG_TRY(auto* srv, ctx.start_server());
    (void)srv;
    SG_TRY(auto client, ctx.connect("client"));
    std::string payload = all_byte_values(ctx.rng("payload"));
    auto got = client.exchange(payload, payload.size(), ctx.ms(2000), ctx.deadline(5000));
    SG_CHECK(expect_echo(ctx, "client", payload, got));
    SG_CHECK(expect_quiet_after_echo(ctx, client, payload.size()));
    return {};
  };
  return conclude(steps(), "all 256 byte values, NULs included, came back exactly (772 B), and nothing after them");
}

Outcome interactive(Context& ctx) {
  int rounds = static_cast<int>(ctx.param("rounds"));
  auto steps = [&]() -> Step<void> {
    SG_TRY(auto* srv, ctx.start_server());
    (void)srv;
    SG_TRY(auto client, ctx.connect("client"));
    auto rng = ctx.rng("lines");
    for (int i = 1; i <= rounds; ++i) {
      std::string line = "round " + std::to_string(i) + ": " + rng.text(rng.between(1, 120)) + "\n";
      SG_CHECK(expect_sent(ctx, "client", line.size(), client.send(line, ctx.deadline(2000))));
      auto got = client.receive(line.size(), ctx.deadline(2000));
      ctx.evidence()["round"] = i;
      SG_CHECK(in_context(expect_echo(ctx, "client", line, got),
                          "round trip " + std::to_string(i) + " of " + std::to_string(rounds) + ": "));
      // Extra bytes after an earlier echo show up as a wrong next echo; after the last one
      // only a wait for them can tell.
      if (i == rounds) SG_CHECK(expect_quiet_after_echo(ctx, client, line.size()));
    }
    return {};
  };
  return conclude(steps(), std::to_string(rounds) + " round trips, each line echoed before the next was sent");
}

// A server that ended mid-stream: how (naming the limit that ended it, if one did) and how far
// the echo had got, so that "killed: CPU time limit 10 s" comes with its progress.
Step<void> ended_mid_stream(Context& ctx, std::size_t size, const net::Received& got) {
  if (ctx.servers().empty() || got.bytes.size() >= size) return {};
  auto& srv = ctx.server();
  if (srv.status().running()) return {};
  auto v = srv.status();
  auto& ev = ctx.evidence();
  ev["echoed_bytes"] = got.bytes.size();
  ev["stream_bytes"] = size;
  if (v.cpu_ms >= 0) ev["server_cpu_ms"] = v.cpu_ms;
  std::string fate = srv.fate_sentence();
  if (fate.rfind("was killed: ", 0) == 0) ev["proof"] = fate.substr(4);
  return failed("the server " + fate + " after echoing " + format_bytes(got.bytes.size()) + " of " + format_bytes(size));
}

Outcome large_stream(Context& ctx) {
  auto size = static_cast<std::size_t>(ctx.param("bytes"));
  Stopwatch clock;
  auto steps = [&]() -> Step<void> {
    SG_TRY(auto* srv, ctx.start_server());
    (void)srv;
    SG_TRY(auto client, ctx.connect("client"));
    std::string payload = ctx.rng("stream").bytes(size);
    // Progress, not a total: a correct server with a tiny buffer is slow but never stalls.
    auto got = client.exchange(payload, payload.size(), ctx.ms(3000), ctx.deadline(120000));
    SG_CHECK(ended_mid_stream(ctx, size, got));
    SG_CHECK(expect_echo(ctx, "client", payload, got));
    SG_CHECK(expect_quiet_after_echo(ctx, client, payload.size()));
    return {};
  };
  auto r = steps();
  return conclude(std::move(r), format_bytes(size) + " streamed and echoed exactly in " +
                       format_duration(Millis(clock.elapsed_whole_ms())) + ", nothing more after it");
}

// The echo-client lab: the harness plays the echo server and feeds the client's stdin.

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

Outcome client_echo(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    ClientSession s(ctx, {});
    SG_CHECK(s.listen());
    SG_CHECK(s.start());
    return interactive_lines(ctx, s, 3, "");
  };
  return conclude(steps(), "3 lines typed one at a time were each printed back before the next");
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

// The daytime-client lab: the harness plays the daytime server.

Outcome daytime_reply(Context& ctx) {
  return conclude(expect_reply_printed(ctx, kDaytimeReply, {}, "the server sent the time (44 B) and closed: "),
                  "the time was printed exactly and the client exited 0 at EOF");
}

// The UDP labs.

Outcome udp_datagram_sizes(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    SG_CHECK(ctx.start_server());
    SG_TRY(auto peer, UdpPeer::open(ctx, "client"));
    auto rng = ctx.rng("datagrams");
    for (std::size_t size : {std::size_t{1}, std::size_t{2}, std::size_t{100}, std::size_t{101}, std::size_t{512},
                             std::size_t{1472}, std::size_t{1473}, std::size_t{8192}, kMaxDatagram}) {
      SG_CHECK(udp_round_trip(ctx, peer, rng.bytes(size)));
    }
    return {};
  };
  return conclude(steps(), "datagrams of 1 to 65507 bytes each came back whole, one datagram for one");
}

Outcome udp_client_lines(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    UdpWorld w(ctx, {});
    SG_CHECK(w.listen());
    SG_CHECK(w.start());
    SG_CHECK(udp_lines(ctx, w, 3, 3000, ""));
    return udp_clean_exit(ctx, w, w.client().output(), "3 lines echoed: ");
  };
  return conclude(steps(), "3 lines went out as datagrams, each echo was printed, and the client exited 0 at EOF");
}

// Any lab: the build's program has the name the lab asks for. A build that left one executable
// under another name is graded all the same (lab/build.cpp says so in the report's build
// section); whether the name costs points is the lab's decision: it lists this check, with a
// weight, or not (no bundled lab does).

Outcome executable_name(Context& ctx) {
  const std::string wanted = ctx.lab().build.executable;
  const std::string graded = std::filesystem::path(ctx.settings().executable).filename().string();
  ctx.evidence()["executable"] = graded;
  ctx.evidence()["expected_executable"] = wanted;
  if (graded == wanted) return Outcome::pass("the program is named '" + wanted + "', as the lab asks");
  return Outcome::fail("the program is named '" + graded + "', not '" + wanted + "' as the lab asks");
}

}  // namespace

// This file's checks: each check described in labs/checks/basic.json runs the function named after
// its id (basic.small-echo: small_echo()). The build writes basic_checks(), the list that pairs
// them (checks/list_functions.cmake).
#include "checks/basic_checks.inc"

}  // namespace sockgrade::checks
