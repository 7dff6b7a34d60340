// The daytime-client lab (BRIEF §2): the harness plays the daytime server (RFC 867: on connect
// it sends the time as text, then closes); the client prints everything until EOF. The shared
// client checks (argv, refused connection) come from client_echo.cpp.
#include "grading/client_session.hpp"
#include "checks/catalogue.hpp"
#include "core/bytes.hpp"

namespace sockgrade::checks {
namespace {

// The reply the checks send, the way daytime servers write it.
const std::string kDaytime = "Wednesday, November 25, 2026 05:14:07-UTC\r\n";

Step<void> expect_reply(Context& ctx, const std::string& reply, const ServerPlay& base, const std::string& scene) {
  ServerPlay play = base;
  play.mode = ServerPlay::Mode::reply;
  play.reply = reply;
  ClientSession s(ctx, play);
  SG_CHECK(s.listen());
  SG_TRY(auto* c, s.start());
  // Everything printed, the program gone and its stdout closed: nothing can come later.
  auto stop = s.run_until_exit(ctx.deadline(5000));
  SG_CHECK(expect_printed(ctx, s, reply, stop, scene));
  auto v = c->status();
  if (v.running()) {
    s.record_evidence();
    return timed_out(scene + "the reply was printed and the server closed the connection, but the client did not "
                             "exit within " + ctx.human(5000) + " (read() returning 0 is EOF: stop there)");
  }
  if (v.kind != cell::Verdict::Kind::exited || v.exit_code != 0) {
    s.record_evidence();
    return failed(scene + "the whole reply was printed, then the client " + c->fate_sentence() +
                  " instead of exiting with 0");
  }
  return {};
}

Outcome daytime_reply(Context& ctx) {
  return conclude(expect_reply(ctx, kDaytime, {}, "the server sent the time (44 B) and closed: "),
                  "the time was printed exactly and the client exited 0 at EOF");
}

Outcome daytime_sliced(Context& ctx) {
  ServerPlay play;
  play.segment = 1;
  play.gap_ms = 2;
  return conclude(expect_reply(ctx, kDaytime, play, "the server sent the time one byte per segment, 2 ms apart: "),
                  "a reply in 44 one-byte segments was printed whole");
}

Outcome daytime_long_reply(Context& ctx) {
  std::string reply;
  auto rng = ctx.rng("reply");
  while (reply.size() < 600) reply += kDaytime.substr(0, kDaytime.size() - 2) + " " + rng.text(20) + "\r\n";
  ServerPlay play;
  play.segment = 256;  // several reads, each able to fill a small buffer to the brim
  play.gap_ms = 5;
  return conclude(expect_reply(ctx, reply, play,
                               "the server sent a " + std::to_string(reply.size()) +
                                   "-byte reply in 256-byte segments: "),
                  "a " + std::to_string(reply.size()) + "-byte reply was printed whole, without a crash");
}

CheckInfo info(std::string id, std::string title, std::string requirement, std::string hint, int typical_ms) {
  CheckInfo i;
  i.id = std::move(id);
  i.category = i.id.substr(0, i.id.find('.'));
  i.title = std::move(title);
  i.requirement = std::move(requirement);
  i.hint = std::move(hint);
  i.role = "client";
  i.budget_ms = 15000;
  i.typical_ms = typical_ms;
  return i;
}

}  // namespace

std::vector<CheckDef> daytime_client_checks() {
  return {
      {info("basic.daytime-reply", "The server's reply is printed exactly, then the client exits 0",
            "The client prints every byte the server sends until EOF, then exits 0.",
            "Loop on read() until it returns 0 and write exactly the bytes read to stdout, then exit(0).", 100),
       daytime_reply},
      {info("partial-io.daytime-sliced", "A reply in 1-byte segments is printed whole",
            "The reply can arrive in any number of pieces; the client prints all of them.",
            "One read() returns what has arrived so far, possibly one byte: keep reading until read() returns 0.",
            300),
       daytime_sliced},
      {info("robustness.daytime-long-reply", "A long reply (hundreds of bytes) is printed whole, no crash",
            "A reply longer than the client's buffer is printed in full; nothing is written past the buffer.",
            "read(fd, buf, sizeof buf - 1) leaves room for a terminating NUL at buf[n]; reading sizeof buf and then "
            "writing buf[n] = '\\0' writes one byte past the array. Better: fwrite(buf, 1, n, stdout).",
            200),
       daytime_long_reply},
  };
}

}  // namespace sockgrade::checks
