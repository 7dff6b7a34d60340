// Scenario steps of a client lab: the harness plays the server (echo, a fixed reply, silence)
// and the steps feed the client's stdin, read its stdout and judge how it exited.
#include "checks/client_scenarios.hpp"
#include "scenario/run.hpp"
#include "core/bytes.hpp"
#include "grading/verify.hpp"

namespace sockgrade::checks {

using lab::ScenarioStep;

Step<void> ScenarioRun::serve(const ScenarioStep& step, const Vars& vars) {
  if (session_) return harness_error(step.path + ": the harness's server is already playing");
  ServerPlay play;
  play.mode = step.play == lab::ServePlay::reply    ? ServerPlay::Mode::reply
              : step.play == lab::ServePlay::silent ? ServerPlay::Mode::silent
                                                    : ServerPlay::Mode::echo;
  play.reply = expand(step.data, vars);
  play.segment = step.piece_bytes;
  play.gap_ms = step.gap_ms;
  session_ = std::make_unique<ClientSession>(ctx_, play);
  return {};
}

Step<void> ScenarioRun::start_client() {
  if (!session_) session_ = std::make_unique<ClientSession>(ctx_, ServerPlay{});
  SG_CHECK(session_->listen());
  SG_TRY(auto* client, session_->start());
  (void)client;
  return {};
}

Step<void> ScenarioRun::feed_stdin(const ScenarioStep& step, const Vars& vars) {
  if (!session_) return harness_error(step.path + ": the client is not started");
  std::string data = payload(step, vars);
  peers_["stdin"].sent += data;
  session_->client().feed(data);
  return {};
}

Step<void> ScenarioRun::receive_stdout(const ScenarioStep& step, const Vars& vars) {
  if (!session_) return harness_error(step.path + ": the client is not started");
  auto& client = session_->client();
  const Expected want = expected(step, "stdout", vars);
  auto pending = [&] { return client.output().substr(std::min(stdout_consumed_, client.output().size())); };
  auto stop = session_->run([&] { return wanted(step, want, pending()) != std::string::npos; }, ctx_.wall_deadline(),
                            ctx_.ms(step.within_ms));
  std::string got = pending();
  std::size_t n = wanted(step, want, got);
  if (n == std::string::npos) {
    session_->record_evidence();
    ctx_.evidence()["printed"] = bytes_evidence(got);
    const std::string why = stop == ClientSession::Stop::exited ? "the client " + client.fate_sentence()
                                                                : "nothing more was printed for " + ctx_.human(step.within_ms);
    std::string message = "the client's stdout should show " + expectation(step, vars) + ", but it printed " +
                          (got.empty() ? std::string("nothing") : "'" + escape_preview(got, 80) + "'") + " and " + why +
                          " (" + session_->progress() + ")";
    if (!session_->accepted()) return never_connected(ctx_, *session_, "");
    return stop == ClientSession::Stop::exited ? failed(message) : timed_out(message);
  }
  stdout_consumed_ += n;
  return judge(step, "stdout", want, got.substr(0, n));
}

Step<void> ScenarioRun::expect_client_exit(const ScenarioStep& step) {
  if (!session_) return harness_error(step.path + ": the client is not started");
  auto& client = session_->client();
  if (step.state == lab::ProgramState::alive) {
    if (client.status().running()) return {};
    return failed("after " + (done_.empty() ? std::string("it started") : done_.back()) + ", the client " +
                  client.fate_sentence() + "; it should still be running");
  }
  session_->run_until_exit(ctx_.deadline(step.within_ms));
  auto v = client.status();
  if (step.state == lab::ProgramState::not_killed && v.kind != cell::Verdict::Kind::signaled) return {};
  if (v.running()) return timed_out("the client should have exited but is still running " + ctx_.human(step.within_ms) + " later");
  if (v.kind != cell::Verdict::Kind::exited) return failed("the client " + client.fate_sentence());
  if (step.status && v.exit_code != *step.status) {
    return failed("the client exited with status " + std::to_string(v.exit_code) + ", not " + std::to_string(*step.status));
  }
  return {};
}

}  // namespace sockgrade::checks
