// The student's program started in a check's cell, as a server or as a client: what both share
// (how it is launched, its label, its fate, the preload shim inside it). ServerUnderTest and
// ClientUnderTest are its two configurations: a server is waited for until it listens and
// observed through /proc; a client's stdin is fed and its stdout read in full.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cell/cgroup.hpp"
#include "cell/program.hpp"
#include "faults/shim.hpp"
#include "grading/check.hpp"
#include "grading/starvation.hpp"
#include "lab/lab_spec.hpp"

namespace sockgrade::grading {

class Context;

class ProgramUnderTest {
 public:
  virtual ~ProgramUnderTest() = default;
  ProgramUnderTest(const ProgramUnderTest&) = delete;
  ProgramUnderTest& operator=(const ProgramUnderTest&) = delete;

  cell::Program& program() { return *program_; }
  pid_t pid() const { return program_->pid(); }
  const std::string& label() const { return label_; }
  cell::Verdict status() { return program_->poll(); }
  // After a subject: "exited with status 1", "was killed: memory limit 256 MiB (…)".
  std::string fate_sentence();
  // What the preload shim did inside the program, when it was loaded.
  std::optional<faults::ShimStats> shim_stats() const;
  const faults::ShimSession* shim() const { return shim_ ? &*shim_ : nullptr; }
  // Whether a loaded machine has kept it off the CPUs since it started (StarvationWatch): the
  // runner asks when a check timed out, and does not charge a starved program.
  std::optional<Starvation> starved_since_start() const {
    return since_start_ ? since_start_->starved() : std::nullopt;
  }

 protected:
  ProgramUnderTest() = default;
  // The lab's program with `args`, in this check's cell: its environment, working directory,
  // limits, identity, seccomp filter and cgroup.
  static cell::LaunchSpec launch_spec(Context& ctx, std::vector<std::string> args);
  // Loads the shim into it if asked, starts it, and says so in the trace.
  Step<void> start(Context& ctx, const cell::LaunchSpec& spec, std::string label,
                   const std::optional<faults::ShimConfig>& shim);

  std::unique_ptr<cell::Program> program_;
  std::optional<faults::ShimSession> shim_;
  std::optional<StarvationWatch> since_start_;
  const lab::LabSpec* lab_ = nullptr;
  cell::Cgroup* cgroup_ = nullptr;
  std::string label_;
};

}  // namespace sockgrade::grading
