// The scenario engine: plays a check written as data in a lab file (lab/scenario_spec.hpp) with
// the same engine as the built-in checks — the program in the cell, peers with progress-based
// deadlines, the fault proxy, /proc observations — and fails it with the same evidence (what was
// sent, expected and received, the trace, the step that failed and the steps before it).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checks/catalogue.hpp"
#include "grading/client_session.hpp"
#include "grading/context.hpp"
#include "lab/scenario_spec.hpp"

namespace sockgrade::checks {

// The check function of every scenario check: plays ctx's check spec's scenario.
Outcome run_scenario(Context& ctx);

class ScenarioRun {
 public:
  ScenarioRun(Context& ctx, const lab::ScenarioCheck& scenario) : ctx_(ctx), scenario_(scenario) {}
  Outcome run();

 private:
  // What the step's "{i}" stands for (the innermost block's index, from 1), and "{year}".
  struct Vars {
    int index = 0;
  };
  struct PeerState {
    std::optional<net::Peer> peer;
    std::string pending;  // received but not yet consumed by a receive step
    std::string sent;     // everything this peer sent
    std::map<std::string, std::size_t> consumed_from;  // receive echo_of: how much of a peer's bytes came back
    uint64_t received = 0;
    bool reading = true;
  };

  Step<void> play_all(const std::vector<lab::ScenarioStep>& steps, const Vars& vars);
  Step<void> play(const lab::ScenarioStep& step, const Vars& vars);
  Step<void> play_block(const lab::ScenarioStep& step, const Vars& vars);
  std::string expand(const std::string& text, const Vars& vars) const;
  std::string payload(const lab::ScenarioStep& step, const Vars& vars);
  // The step in words, for the trace and for the scene a failure is set in.
  std::string describe(const lab::ScenarioStep& step, const Vars& vars) const;

  // The program (program.cpp).
  Step<ServerUnderTest*> ensure_server();
  Step<void> start(const lab::ScenarioStep& step);
  Step<void> stop();
  Step<void> restart();
  Step<void> expect_program(const lab::ScenarioStep& step);

  // Peers of a server lab (peers.cpp).
  Step<PeerState*> peer(const std::string& name, const lab::ScenarioStep& step);
  Step<void> connect(const lab::ScenarioStep& step, const std::string& name);
  Step<void> send(const lab::ScenarioStep& step, const std::string& name, const Vars& vars);
  Step<void> receive(const lab::ScenarioStep& step, const std::string& name, const Vars& vars);
  Step<void> expect_quiet(const lab::ScenarioStep& step, const std::string& name);
  Step<void> expect_end(const lab::ScenarioStep& step, const std::string& name);
  Step<void> close(const lab::ScenarioStep& step, const std::string& name);
  // What a receive step expects: the text ("{i}" expanded), the exact bytes (exactly, line,
  // echo_of), whose bytes come back.
  struct Expected {
    std::string text;
    std::string bytes;
    std::string from;
  };
  Expected expected(const lab::ScenarioStep& step, const std::string& who, const Vars& vars);
  // How many of `pending` the step takes once it has enough (npos: not yet).
  static std::size_t wanted(const lab::ScenarioStep& step, const Expected& want, const std::string& pending);
  // The bytes a step took, compared with what it expected.
  Step<void> judge(const lab::ScenarioStep& step, const std::string& who, const Expected& want, const std::string& got);
  // "a line matching /…/": what a receive step waits for, in words.
  std::string expectation(const lab::ScenarioStep& step, const Vars& vars) const;
  static constexpr std::size_t kMaxLine = 64 << 10;  // a "line" longer than this is no line
  static Step<void> expect_exact(Context& ctx, const std::string& who, const std::string& what, std::string_view expected,
                          std::string_view got);
  static Unexpected<Outcome> stopped_short(Context& ctx, const std::string& who, const std::string& what,
                                    const std::string& pending, const net::Received& end, int within_ms);
  // Reads into the peer's pending bytes until `enough` holds, the stream ends, or nothing
  // arrives for the step's budget; how the reading ended.
  net::Received fill(PeerState& st, const std::function<bool(const std::string&)>& enough, int within_ms);

  // Observations (observe.cpp).
  Step<void> observe(const lab::ScenarioStep& step);
  Step<void> wait_blocked_in_write(const lab::ScenarioStep& step);
  Step<void> wait_read(const lab::ScenarioStep& step, const std::string& name);
  int open_peers() const;

  // Client labs (client.cpp).
  Step<void> serve(const lab::ScenarioStep& step, const Vars& vars);
  Step<void> start_client();
  Step<void> feed_stdin(const lab::ScenarioStep& step, const Vars& vars);
  Step<void> receive_stdout(const lab::ScenarioStep& step, const Vars& vars);
  Step<void> expect_client_exit(const lab::ScenarioStep& step);

  Context& ctx_;
  const lab::ScenarioCheck& scenario_;
  std::map<std::string, PeerState> peers_;
  std::map<std::string, faults::Proxy*> proxies_;  // by fault list: peers with the same faults share one
  ServerUnderTest* server_ = nullptr;
  struct Baseline {
    int fds = -1;
    int threads = 0;
  } baseline_;
  std::vector<std::string> done_;  // the steps played so far, in words
  // Client labs.
  std::unique_ptr<ClientSession> session_;
  std::size_t stdout_consumed_ = 0;
};

}  // namespace sockgrade::checks
