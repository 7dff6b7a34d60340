// A check (BRIEF §3): code with a stable id `category.name`, a one-line title, the requirement
// it tests, a hint for students, and declared parameters. Each returns an Outcome that says
// what it observed; none passes by default.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace sockgrade::grading {

// failed: the program is wrong; error: the harness could not do its job (never charged
// silently); timeout: the program did not act within the deadline; skipped: not applicable.
enum class Status { passed, failed, error, timeout, skipped };
std::string status_name(Status s);

struct Outcome {
  Status status = Status::error;
  std::string message;

  static Outcome pass(std::string m) { return {Status::passed, std::move(m)}; }
  static Outcome fail(std::string m) { return {Status::failed, std::move(m)}; }
  static Outcome timeout(std::string m) { return {Status::timeout, std::move(m)}; }
  static Outcome error(std::string m) { return {Status::error, std::move(m)}; }
  static Outcome skip(std::string m) { return {Status::skipped, std::move(m)}; }
};

// A step of a scenario: a value, or the outcome that ends the check early.
template <class T>
using Step = Result<T, Outcome>;
inline Unexpected<Outcome> failed(std::string m) { return {Outcome::fail(std::move(m))}; }
inline Unexpected<Outcome> timed_out(std::string m) { return {Outcome::timeout(std::move(m))}; }
inline Unexpected<Outcome> harness_error(std::string m) { return {Outcome::error(std::move(m))}; }

// The outcome of a scenario: its failure, or a pass that says what was observed.
inline Outcome conclude(Step<void>&& r, std::string passed_message) {
  if (!r) return std::move(r).error();
  return Outcome::pass(std::move(passed_message));
}

// The same step, a failure's message framed by what led to it ("round trip 3 of 20: …").
template <class T>
Step<T> in_context(Step<T>&& r, const std::string& before, const std::string& after = {}) {
  if (r) return std::move(r);
  Outcome o = std::move(r).error();
  o.message = before + o.message + after;
  return unexpected(std::move(o));
}

struct ParamSpec {
  std::string name;
  // "integer" (default_value, min, max, choices), or "checks": a list of the lab's own check ids
  // or globs ("basic.*", or "basic" for the whole category), with no default in data: a check
  // reading one keeps its own list when the lab gives none (param_checks).
  std::string kind = "integer";
  int64_t default_value = 0;
  int64_t min = 0;
  int64_t max = 0;
  std::string description;
  // Words a lab may write instead of a number ("model": "fork"), each with its value.
  std::vector<std::pair<std::string, int64_t>> choices = {};
};

// A built-in check's is read from labs/checks/<category>.json, whose keys are these members'
// names (ParamSpec's default_value is "default"): checks/descriptions.hpp. A member with a default
// may be left out where one is built in C++ (its initialiser also keeps
// -Wmissing-field-initializers quiet about it).
struct CheckInfo {
  std::string id;           // "sigpipe.peer-vanishes"
  std::string category = {};  // "sigpipe": the catalogue fills it in from the id
  std::string title;        // one line
  std::string requirement;  // what part of the contract it tests, as data (explain, docs)
  std::string hint;         // what to look at when it fails, naming the socket concept
  std::string role = "server";  // or "client", or "any" (checks of the build)
  std::vector<ParamSpec> params = {};
  int budget_ms = 20000;    // the cell's budget before stretch; a check ends long before
  int typical_ms = 50;      // how long it usually takes: the longest start first
  // "address" or "thread": the check runs the submission built with that sanitizer, so the run
  // builds it (lab/sanitized_build.hpp); "" for the ordinary build only.
  std::string sanitizer = {};
  // Cells the check's work is split into (the memory checks replay several of the lab's checks:
  // a few per cell, side by side with the other checks); each cell is told its part.
  int parts = 1;
};

class Context;
using CheckFn = Outcome (*)(Context&);

struct CheckDef {
  CheckInfo info;
  CheckFn run = nullptr;
};

}  // namespace sockgrade::grading
