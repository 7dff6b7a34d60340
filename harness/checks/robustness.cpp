// robustness: hostile or malformed peers, limits reached, nothing crashes: a daytime reply
// longer than the client's buffer, empty and garbage datagrams, UDP's losses and duplicates.
#include "checks/catalogue.hpp"
#include "checks/client_scenarios.hpp"
#include "checks/udp_scenarios.hpp"
#include "core/strings.hpp"
#include "grading/server_under_test.hpp"

namespace sockgrade::checks {
namespace {

// The daytime-client lab: the harness plays the daytime server.

Outcome daytime_long_reply(Context& ctx) {
  std::string reply;
  auto rng = ctx.rng("reply");
  while (reply.size() < 600) reply += kDaytimeReply.substr(0, kDaytimeReply.size() - 2) + " " + rng.text(20) + "\r\n";
  ServerPlay play;
  play.segment = 256;  // several reads, each able to fill a small buffer to the brim
  play.gap_ms = 5;
  return conclude(expect_reply_printed(ctx, reply, play,
                               "the server sent a " + std::to_string(reply.size()) +
                                   "-byte reply in 256-byte segments: "),
                  "a " + std::to_string(reply.size()) + "-byte reply was printed whole, without a crash");
}

// The udp-echo-server lab.

Outcome udp_empty_and_garbage(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    SG_TRY(auto* srv, ctx.start_server());
    SG_TRY(auto odd, UdpPeer::open(ctx, "client#1"));
    SG_CHECK(odd.send(""));
    SG_CHECK(odd.send(ctx.rng("garbage").bytes(3000)));
    SG_CHECK(odd.send(std::string(8, '\0')));
    SG_TRY(auto next, UdpPeer::open(ctx, "client#2"));
    SG_CHECK(in_context(udp_round_trip(ctx, next, "still there after an empty datagram and garbage?\n"),
                        "client#1 sent an empty datagram, 3000 random bytes and 8 NUL bytes; then "));
    return srv->expect_alive("after the empty and garbage datagrams");
  };
  return conclude(steps(), "an empty datagram and binary garbage changed nothing: the next client was answered");
}

// The udp-echo-client lab: the harness's UDP server loses or duplicates answers on purpose.

// The client sends `lines` lines (each answered within `budget_ms`) to a server that plays
// `play`, and exits cleanly at EOF.
Step<void> udp_client_lines_under(Context& ctx, UdpPlay play, int lines, int budget_ms, const std::string& scene) {
  UdpWorld w(ctx, play);
  SG_CHECK(w.listen());
  SG_CHECK(w.start());
  SG_CHECK(udp_lines(ctx, w, lines, budget_ms, scene));
  return udp_clean_exit(ctx, w, w.client().output(), scene);
}

Outcome udp_client_retries(Context& ctx) {
  return conclude(udp_client_lines_under(ctx, {.drop_first = 1}, 2, 4000,
                                         "the server loses the first copy of every datagram; "),
                  "every lost datagram was sent again and its echo printed once");
}

Outcome udp_client_duplicates(Context& ctx) {
  return conclude(udp_client_lines_under(ctx, {.copies = 2}, 3, 3000, "the server answers every datagram twice; "),
                  "each echo, duplicated by the server, was printed once");
}

Outcome udp_client_gives_up(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    UdpPlay play;
    play.drop_all = true;
    UdpWorld w(ctx, play);
    SG_CHECK(w.listen());
    SG_TRY(auto* c, w.start());
    c->feed("is anybody there?\n");
    w.run([] { return false; }, ctx.deadline(9000));
    const std::string scene = "the server never answers: ";
    auto v = c->status();
    ctx.evidence()["datagrams_sent"] = w.received();
    c->program().finish_output(500);
    if (v.running()) {
      return timed_out(scene + "after " + std::to_string(w.received()) + " datagram(s) and " + ctx.human(9000) +
                       " the client still waits: give up after 5 tries");
    }
    if (v.kind != cell::Verdict::Kind::exited || v.exit_code == 0) {
      return failed(scene + "the client " + c->fate_sentence() + "; it must give up with a non-zero status");
    }
    if (trim(c->stderr_text()).empty()) return failed(scene + "the client gave up without a word on stderr");
    if (w.received() < 2) return failed(scene + "the client gave up without sending the datagram again");
    return {};
  };
  return conclude(steps(), "with no answer the client retried, then gave up with a message and a non-zero status");
}

}  // namespace

// This file's checks: each check described in labs/checks/robustness.json runs the function named
// after its id (robustness.daytime-long-reply: daytime_long_reply()). The build writes
// robustness_checks(), the list that pairs them (checks/list_functions.cmake).
#include "checks/robustness_checks.inc"

}  // namespace sockgrade::checks
