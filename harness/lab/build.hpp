// The build step: a copy of the submission compiled by the lab's rule (make when a Makefile
// is present, else the compile command over the sources), inside a cell like any student code.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cell/identity.hpp"
#include "core/result.hpp"
#include "lab/lab_spec.hpp"
#include "lab/submission.hpp"

namespace sockgrade::lab {

// A copy of the submission built with a sanitizer for the memory checks (lab/sanitized_build.hpp).
struct SanitizedBuild {
  std::string sanitizer;           // "address" (with UBSan) or "thread"
  std::string status = "skipped";  // ok | failed | uninstrumented | skipped
  std::string command = {};
  std::string program_name = {};   // relative to the staged sources (ok)
  std::string message = {};        // why it is not ok, as the memory checks' skip reason
  double duration_ms = 0;
};

struct BuildOutcome {
  std::string status = "skipped";  // ok | failed | skipped
  std::string command;
  std::string log;
  int warnings = 0;
  double duration_ms = 0;
  std::filesystem::path executable;  // the program to grade when status is ok or skipped
  std::string program_name;          // its path relative to the sources (ok): the lab's name or another
  std::string message;               // one line: why it failed, or (ok) a note on what was graded
  std::vector<SanitizedBuild> sanitized;  // the builds the selected memory checks asked for
};

// Copies a source submission's regular files and directories (no links) into `dir`, which the
// harness creates; the build then happens in the copy, never in the submission.
Result<void> stage_sources(const Submission& sub, const std::filesystem::path& dir);

// Where and as whom a build runs (inside its cell).
struct BuildPlace {
  std::filesystem::path src;              // the staged sources, as the cell sees them
  std::string home;                       // HOME and TMPDIR of the build
  std::optional<cell::Identity> identity; // unprivileged uid of the build
  std::vector<int> cgroup_fds;
  bool seccomp = false;
};

// Runs in the calling process (the caller puts it in a cell): make, or the compile command; and
// at the same time, in copies of the sources, the same rule with each of `sanitizers`.
BuildOutcome build_here(const Submission& sub, const BuildRule& rule, const cell::Limits& limits,
                        const BuildPlace& place, const std::vector<std::string>& sanitizers = {});

nlohmann::json build_to_json(const BuildOutcome& b);
BuildOutcome build_from_json(const nlohmann::json& j);

// Expands {executable} and {sources} in a compile command.
std::vector<std::string> expand_compile_command(const std::vector<std::string>& tmpl, const std::string& executable,
                                                const std::vector<std::string>& sources);

}  // namespace sockgrade::lab
