// The scenario engine's driver: the steps in order, blocks, "{i}", and the scene of a failure.
#include "scenario/run.hpp"

#include <algorithm>
#include <ctime>

#include "core/bytes.hpp"
#include "core/strings.hpp"

namespace sockgrade::checks {

using lab::ScenarioStep;
using lab::StepKind;

namespace {

std::string current_year() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  return std::to_string(utc.tm_year + 1900);
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}

}  // namespace

Outcome run_scenario(Context& ctx) {
  const auto& scenario = ctx.spec().scenario;
  if (!scenario) return Outcome::error("check " + ctx.info().id + " has no scenario");
  return ScenarioRun(ctx, *scenario).run();
}

Outcome ScenarioRun::run() {
  auto r = play_all(scenario_.steps, Vars{});
  if (!r) return std::move(r).error();
  // The first steps say what was played; a long repeat is counted, not listed.
  constexpr std::size_t kShown = 6;
  std::vector<std::string> shown(done_.begin(), done_.begin() + static_cast<std::ptrdiff_t>(std::min(kShown, done_.size())));
  return Outcome::pass(std::to_string(done_.size()) + (done_.size() == 1 ? " step" : " steps") + " as expected: " +
                       join(shown, "; ") + (done_.size() > kShown ? "; …" : ""));
}

Step<void> ScenarioRun::play_all(const std::vector<ScenarioStep>& steps, const Vars& vars) {
  for (const auto& step : steps) {
    auto r = play(step, vars);
    if (!r) {
      // The innermost failing step names the failure; the blocks around it keep it.
      if (ctx_.evidence().contains("scenario_step")) return r;
      ctx_.evidence()["scenario_step"] = {{"at", step.path}, {"step", describe(step, vars)}};
      // The steps that led here (the last ones of a long scenario; the trace has them all).
      constexpr std::size_t kKept = 12;
      auto from = done_.size() > kKept ? done_.end() - kKept : done_.begin();
      if (!done_.empty()) ctx_.evidence()["scenario_before"] = std::vector<std::string>(from, done_.end());
      return r;
    }
    if (step.kind != StepKind::repeat && step.kind != StepKind::together) done_.push_back(describe(step, vars));
  }
  return {};
}

Step<void> ScenarioRun::play_block(const ScenarioStep& step, const Vars& vars) {
  (void)vars;
  if (step.kind == StepKind::repeat) {
    for (int i = 1; i <= step.times; ++i) SG_CHECK(play_all(step.steps, Vars{i}));
    return {};
  }
  // together: every peer of the block does a step before any does the next, so that all of
  // them are connected (and served, or not) at the same time.
  for (const auto& inner : step.steps) {
    for (int i = 1; i <= step.times; ++i) SG_CHECK(play_all({inner}, Vars{i}));
  }
  return {};
}

Step<void> ScenarioRun::play(const ScenarioStep& step, const Vars& vars) {
  const std::string name = expand(step.peer, vars);
  const bool client_lab = ctx_.lab().role == "client";
  switch (step.kind) {
    case StepKind::start: return client_lab ? start_client() : start(step);
    case StepKind::stop: return stop();
    case StepKind::restart: return restart();
    case StepKind::expect_program: return client_lab ? expect_client_exit(step) : expect_program(step);
    case StepKind::serve: return serve(step, vars);
    case StepKind::connect: return connect(step, name);
    case StepKind::send: return client_lab ? feed_stdin(step, vars) : send(step, name, vars);
    case StepKind::receive: return client_lab ? receive_stdout(step, vars) : receive(step, name, vars);
    case StepKind::expect_quiet: return expect_quiet(step, name);
    case StepKind::expect_eof:
    case StepKind::expect_reset: return expect_end(step, name);
    case StepKind::half_close:
    case StepKind::reset:
    case StepKind::close:
    case StepKind::stop_reading:
    case StepKind::resume_reading: return close(step, name);
    case StepKind::wait_blocked_in_write: return wait_blocked_in_write(step);
    case StepKind::wait_read: return wait_read(step, name);
    case StepKind::observe: return observe(step);
    case StepKind::repeat:
    case StepKind::together: return play_block(step, vars);
  }
  return harness_error("unknown step at " + step.path);
}

std::string ScenarioRun::expand(const std::string& text, const Vars& vars) const {
  std::string out = text;
  if (out.find("{i}") != std::string::npos) out = replace_all(out, "{i}", std::to_string(vars.index));
  if (out.find("{year}") != std::string::npos) out = replace_all(out, "{year}", current_year());
  return out;
}

std::string ScenarioRun::payload(const ScenarioStep& step, const Vars& vars) {
  auto rng = ctx_.rng(step.path + "#" + std::to_string(vars.index));
  if (step.payload == lab::Payload::random) return rng.bytes(step.random_bytes);
  if (step.payload == lab::Payload::random_line) return rng.text(step.random_bytes - 1) + "\n";
  return expand(step.data, vars);
}

std::string ScenarioRun::describe(const ScenarioStep& step, const Vars& vars) const {
  const std::string who = expand(step.peer, vars);
  auto quoted = [](const std::string& s) { return "'" + escape_preview(s, 40) + "'"; };
  switch (step.kind) {
    case StepKind::start: return "the program was started";
    case StepKind::stop: return "the program was stopped";
    case StepKind::restart: return "the program was restarted";
    case StepKind::expect_program: return "the program was " + step.text;
    case StepKind::serve: return "the harness's server plays " + step.text;
    case StepKind::connect: return who + (step.refused ? " was refused" : " connected");
    case StepKind::send:
      if (step.payload == lab::Payload::random) return who + " sent " + format_bytes(step.random_bytes) + " of random bytes";
      if (step.payload == lab::Payload::random_line) return who + " sent a line of " + format_bytes(step.random_bytes);
      return who + " sent " + quoted(expand(step.data, vars));
    case StepKind::receive: return who + " received " + expectation(step, vars);
    case StepKind::expect_quiet: return "nothing more came to " + who;
    case StepKind::expect_eof: return who + "'s connection was closed by the program";
    case StepKind::expect_reset: return who + "'s connection was reset by the program";
    case StepKind::half_close: return who + " half-closed (shutdown SHUT_WR)";
    case StepKind::reset: return who + " reset its connection";
    case StepKind::close: return who + " closed";
    case StepKind::stop_reading: return who + " stopped reading";
    case StepKind::resume_reading: return who + " read again";
    case StepKind::wait_blocked_in_write: return "the program blocked in a write";
    case StepKind::wait_read: return "the program read everything " + who + " sent";
    case StepKind::observe: return "observed " + step.observation;
    case StepKind::repeat: return "repeated " + std::to_string(step.times) + " times";
    case StepKind::together: return std::to_string(step.times) + " peers together";
  }
  return step.path;
}

std::string ScenarioRun::expectation(const ScenarioStep& step, const Vars& vars) const {
  auto quoted = [](const std::string& s) { return "'" + escape_preview(s, 40) + "'"; };
  const std::string who = expand(step.peer, vars), from = expand(step.echo_of, vars);
  switch (step.match) {
    case lab::Match::exactly: return quoted(expand(step.text, vars));
    case lab::Match::line: return "the line " + quoted(expand(step.text, vars));
    case lab::Match::any_line: return "a line";
    case lab::Match::matching: return "a line matching /" + expand(step.text, vars) + "/";
    case lab::Match::containing: return "text containing " + quoted(expand(step.text, vars));
    case lab::Match::bytes: return format_bytes(step.count);
    case lab::Match::echo_of: return from == who ? "its own bytes back" : from + "'s bytes";
  }
  return "bytes";
}

}  // namespace sockgrade::checks
