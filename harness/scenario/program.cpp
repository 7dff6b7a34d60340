// Scenario steps on the program of a server lab: start, stop, restart, and what state it is in.
#include "scenario/run.hpp"
#include "checks/server_restart.hpp"
#include "core/wait.hpp"
#include "grading/server_under_test.hpp"

namespace sockgrade::checks {

using lab::ScenarioStep;

// A server lab's program is started by the first step that needs it, so that most scenarios
// begin with a connect.
Step<ServerUnderTest*> ScenarioRun::ensure_server() {
  if (server_) return server_;
  SG_TRY(server_, ctx_.start_server());
  // What the observations compare with: the server as it waits for its first client.
  auto s = server_->snapshot();
  baseline_.fds = s.root_fds;
  baseline_.threads = s.root_threads;
  return server_;
}

Step<void> ScenarioRun::start(const ScenarioStep& step) {
  if (server_ && server_->status().running()) return harness_error(step.path + ": the program is already running");
  server_ = nullptr;
  SG_CHECK(ensure_server());
  return {};
}

Step<void> ScenarioRun::stop() {
  SG_TRY(auto* srv, ensure_server());
  srv->program().kill();
  ctx_.trace().add("harness", "kill", "stopped the program (SIGKILL to its process group)");
  return {};
}

// Stops the program and starts it again on the same port: connections it closed first are in
// TIME_WAIT, so a server without SO_REUSEADDR cannot bind (proven from /proc when it fails).
Step<void> ScenarioRun::restart() {
  SG_TRY(auto* old, ensure_server());
  const net::Listener listener = old->listener();
  SG_CHECK(stop());
  SG_CHECK(listening_socket_released(ctx_, listener));
  SG_TRY(server_, start_again_on(ctx_, listener.local.port));
  return {};
}

Step<void> ScenarioRun::expect_program(const ScenarioStep& step) {
  SG_TRY(auto* srv, ensure_server());
  switch (step.state) {
    case lab::ProgramState::alive:
      return srv->expect_alive("after: " + (done_.empty() ? std::string("it started") : done_.back()));
    case lab::ProgramState::not_killed: {
      // Running or exited: no signal ended it (SIGPIPE, SIGSEGV).
      auto v = srv->status();
      if (v.kind != cell::Verdict::Kind::signaled) return {};
      return failed("the program " + srv->fate_sentence());
    }
    case lab::ProgramState::exited: {
      // Waits for the end, within the step's budget; still running is a failure of its own.
      wait_until(ctx_.deadline(step.within_ms), [&] { return !srv->status().running(); });
      auto v = srv->status();
      ctx_.evidence()["program_expected"] = step.text + (step.status ? " with status " + std::to_string(*step.status) : "");
      if (v.running()) return failed("the program should have exited but is still running " + ctx_.human(step.within_ms) + " later");
      if (v.kind != cell::Verdict::Kind::exited) return failed("the program " + srv->fate_sentence());
      if (step.status && v.exit_code != *step.status) {
        return failed("the program exited with status " + std::to_string(v.exit_code) + ", not " + std::to_string(*step.status));
      }
      return {};
    }
  }
  return {};
}

}  // namespace sockgrade::checks
