#include "grading/program_under_test.hpp"

#include <sys/resource.h>

#include <filesystem>

#include "cell/fate.hpp"
#include "grading/context.hpp"

namespace sockgrade::grading {

cell::LaunchSpec ProgramUnderTest::launch_spec(Context& ctx, std::vector<std::string> args) {
  cell::LaunchSpec spec;
  spec.executable = ctx.settings().executable;
  spec.args = std::move(args);
  spec.env = cell::minimal_environment(ctx.settings().workdir);
  spec.env.push_back("TMPDIR=" + ctx.settings().workdir);
  for (const auto& kv : ctx.settings().extra_env) spec.env.push_back(kv);
  spec.cwd = ctx.settings().workdir;
  spec.limits = ctx.lab().limits;
  if (ctx.settings().unlimited_address_space) spec.limits.address_space_bytes = RLIM_INFINITY;
  spec.identity = ctx.settings().identity;
  spec.seccomp = ctx.settings().seccomp;
  if (auto* group = ctx.cgroup()) spec.cgroup_fds = group->join_fds();
  return spec;
}

Step<void> ProgramUnderTest::start(Context& ctx, const cell::LaunchSpec& spec, std::string label,
                                   const std::optional<faults::ShimConfig>& shim) {
  cell::LaunchSpec launch = spec;
  if (shim) {
    SG_TRY(auto session, ctx.prepare_shim(*shim, launch.env));
    shim_ = std::move(session);
  }
  label_ = std::move(label);
  lab_ = &ctx.lab();
  cgroup_ = ctx.cgroup();
  auto program = cell::Program::start(launch);
  if (!program) return harness_error("could not start the program: " + program.error().message);
  program_ = std::move(program).value();
  since_start_.emplace(ctx, pid());
  std::string argv_text = "./" + std::filesystem::path(launch.executable).filename().string();
  for (const auto& a : launch.args) argv_text += " " + a;
  ctx.trace().add(label_, "start", argv_text + " (pid " + std::to_string(pid()) + ")");
  return {};
}

std::string ProgramUnderTest::fate_sentence() {
  auto v = status();
  std::optional<cell::CgroupStats> stats;
  if (cgroup_) stats = cgroup_->stats();
  std::string fate = cell::describe_fate(v, lab_->limits, stats ? &*stats : nullptr);
  if (fate == v.describe()) return v.sentence();
  return "was " + fate;
}

std::optional<faults::ShimStats> ProgramUnderTest::shim_stats() const {
  if (!shim_) return std::nullopt;
  return shim_->stats();
}

}  // namespace sockgrade::grading
