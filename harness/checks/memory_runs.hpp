// What the memory checks share: the settings of a run against an instrumented build (its
// sanitizer's options, its log directory, no address-space limit), the lab's own checks played
// against it in a context of their own, and the first sanitizer report turned into the failure
// and evidence a student reads (kind, file:line, the source line, the student's frames, the step).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "grading/check.hpp"
#include "grading/context.hpp"
#include "grading/sanitizer_report.hpp"

namespace sockgrade::checks {

// An instrumented run's place: its settings and the directory its sanitizer writes to.
struct SanitizedRun {
  grading::RunSettings settings;
  std::string log_dir;
  std::string source_marker;  // "/.sockgrade-address/": where the student's frames are
};

// The run for `sanitizer`, or the skip (no instrumented build, with its reason) or harness error.
grading::Step<SanitizedRun> sanitized_run(grading::Context& ctx, const std::string& sanitizer, bool detect_leaks);

// What the sanitizer's logs (log_path.<pid>) written since the last call hold, the logs then
// removed: the line of a sanitizer that could not start (a harness error, never the student's),
// in any process's log; else the first report, in process `pid`'s log when one is given (a forked
// child's exit is its own business), in any log otherwise.
struct LoggedFinding {
  std::optional<std::string> start_failure;
  std::optional<grading::SanitizerReport> report;
};
LoggedFinding take_first_report(const SanitizedRun& run, std::optional<int> pid = std::nullopt);

// The lab's checks to replay: those of the given categories (or ids), in the lab's order, without
// the memory checks themselves.
std::vector<const lab::CheckSpec*> lab_checks_in(const grading::Context& ctx, const std::vector<std::string>& categories);

// One of the lab's checks played against the instrumented program, in a context of its own, its
// programs stopped once it is done and the server seen idle. Returns the first report, if any,
// as the check's failure (with the step that led to it in the evidence), or a harness error.
// `wire` gets the played check's own outcome: a replay that did not pass exercised less.
std::optional<grading::Outcome> play_for_reports(grading::Context& ctx, const SanitizedRun& run,
                                                 const lab::CheckSpec& spec, grading::Outcome& wire);

// Before a played check's server is stopped: a report it is about to write (after a client's
// close, say) must be in the log. A new connection proves it once every task is blocked in
// accept() or read() (grading/quiet_server.hpp); without that proof the wait is short.
void settle_server(grading::Context& sub);

// Then, before the programs are stopped: waits (bounded) until no sanitizer is still writing a
// report (a log file whose process lives, a UBSan line from a program still running).
void wait_for_reports(grading::Context& sub, const SanitizedRun& run);

// The failure for a report: "heap-buffer-overflow at server.c:12: `buf[n] = '\0';` …", the
// evidence under "sanitizer_report".
grading::Outcome report_failure(grading::Context& ctx, const SanitizedRun& run, const grading::SanitizerReport& r,
                                const std::string& during);

// The source line `line` of the student's file (as the sanitizer printed its path), trimmed.
std::string source_line(const SanitizedRun& run, const grading::SanitizerFrame& frame);

}  // namespace sockgrade::checks
