#include "checks/client_scenarios.hpp"
#include "grading/verify.hpp"

namespace sockgrade::checks {

Step<void> interactive_lines(Context& ctx, ClientSession& s, int count, const std::string& scene,
                             bool taken_is_enough) {
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

Step<void> expect_reply_printed(Context& ctx, const std::string& reply, const ServerPlay& base,
                                const std::string& scene) {
  ServerPlay play = base;
  play.mode = ServerPlay::Mode::reply;
  play.reply = reply;
  ClientSession s(ctx, play);
  SG_CHECK(s.listen());
  SG_TRY(auto* c, s.start());
  // Everything printed, the program gone and its stdout closed: nothing can come later.
  auto stop = s.run_until_exit(ctx.deadline(5000));
  // The reply may be framed by the client's own words ("Time Received from Server is: …", as the
  // lecture's client prints it): what is judged is that every byte of it was printed, in order.
  const std::string& out = c->output();
  if (out != reply && out.find(reply) != std::string::npos) {
    ctx.evidence()["printed"] = bytes_evidence(out);
  } else {
    SG_CHECK(expect_printed(ctx, s, reply, stop, scene));
  }
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

}  // namespace sockgrade::checks
