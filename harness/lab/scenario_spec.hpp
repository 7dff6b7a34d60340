// A check written as data in a lab file (sockgrade.lab/3): a title, a hint and the steps of a
// scenario — peers that connect, send, receive and close, the program started and stopped, and
// what must be observed — that the scenario engine (scenario/run.cpp) plays like a
// built-in check. docs/writing-labs.md documents every step by example.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sockgrade::lab {

enum class StepKind {
  // the program
  start, stop, restart, expect_program,
  // client labs: what the harness's server does with the client's connection
  serve,
  // a peer's connection (server labs), or the client's stdin/stdout (client labs)
  connect, send, half_close, reset, close, stop_reading, resume_reading,
  receive, expect_quiet, expect_eof, expect_reset,
  // /proc observations of the program
  wait_read, wait_blocked_in_write, observe,
  // blocks
  repeat, together,
};

// What a `receive` step expects.
enum class Match { exactly, line, any_line, matching, containing, bytes, echo_of };

// What `send` sends.
enum class Payload { text, random, random_line };

// What `expect_program` expects.
enum class ProgramState { alive, exited, not_killed };

// What `serve` plays (client labs): an echo server, a fixed reply then close, or silence.
enum class ServePlay { echo, reply, silent };

struct ScenarioStep {
  StepKind kind = StepKind::start;
  std::string path;  // "/checks/3/steps/2": where the step is written, for messages
  std::string peer;  // the peer (or "stdin"/"stdout" in client labs); "{i}" stands for a block's index

  // send, and serve's reply: the bytes ("{i}" and "{year}" expand), or a count of seeded random bytes
  Payload payload = Payload::text;
  std::string data;
  std::size_t random_bytes = 0;  // random: bytes; random_line: the line's length, "\n" included
  std::size_t piece_bytes = 0;  // > 0: sent in pieces of this many bytes, `gap_ms` apart
  int gap_ms = 0;

  // receive
  Match match = Match::exactly;
  std::string text;     // exactly, line, matching (a regex), containing
  std::size_t count = 0;  // bytes
  std::string echo_of;  // the peer whose bytes come back
  int within_ms = 2000;  // the progress budget: how long nothing may move before the step fails
  bool discarding = false;  // expect_eof: bytes that come before the EOF are not this step's concern

  // connect
  std::vector<std::string> faults;  // the fault proxy's specs, for this connection only
  bool refused = false;             // the connection must be refused
  int rcvbuf = 0;

  // expect_program
  ProgramState state = ProgramState::alive;
  std::optional<int> status;

  // observe: the observation's name, and its window or count
  std::string observation;
  int window_ms = 1000;

  // serve
  ServePlay play = ServePlay::echo;

  // repeat, together
  int times = 0;
  std::vector<ScenarioStep> steps;
};

struct ScenarioCheck {
  std::string title;
  std::string requirement;
  std::string hint;
  int budget_ms = 20000;
  std::vector<ScenarioStep> steps;
  // The entry's scenario keys as written (title, hint, steps, …): written back by lab_to_json.
  nlohmann::json source = nlohmann::json::object();
};

}  // namespace sockgrade::lab
