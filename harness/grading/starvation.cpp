#include "grading/starvation.hpp"

#include "grading/context.hpp"

namespace sockgrade::grading {

std::string Starvation::sentence() const {
  auto seconds = [](double ms) { return format_duration(Millis(static_cast<int64_t>(ms))); };
  std::string s = "over " + seconds(wall_ms) + " the program's tasks waited " + seconds(waiting_ms) +
                  " for a CPU in all and got " + seconds(cpu_ms) + " of CPU";
  if (submission_cpu_ms >= 0) s += " (the submission's programs in all its checks: " + seconds(submission_cpu_ms) + ")";
  return s + ": the machine gave the CPUs to other programs";
}

std::optional<Starvation> starvation_of(double wall_ms, double cpu_ms, double runnable_ms, double submission_cpu_ms) {
  double waiting_ms = runnable_ms > cpu_ms ? runnable_ms - cpu_ms : 0;
  if (wall_ms <= 0 || waiting_ms < 0.5 * wall_ms || cpu_ms > 0.25 * wall_ms) return std::nullopt;
  if (submission_cpu_ms > 0.5 * wall_ms) return std::nullopt;  // its own copies took the CPUs
  return Starvation{wall_ms, cpu_ms, waiting_ms, submission_cpu_ms};
}

StarvationWatch::StarvationWatch(pid_t root, std::vector<const cell::Cgroup*> submission, bool alone)
    : root_(root), submission_(std::move(submission)), alone_(alone) {
  restart();
}

StarvationWatch::StarvationWatch(Context& ctx, pid_t root)
    : StarvationWatch(root, ctx.settings().submission_cgroups, !ctx.settings().private_network) {}

std::optional<uint64_t> StarvationWatch::submission_us() const {
  if (submission_.empty()) return std::nullopt;
  uint64_t total = 0;
  for (const auto* g : submission_) {
    auto us = g->cpu_usage_us();
    if (!us) return std::nullopt;
    total += *us;
  }
  return total;
}

void StarvationWatch::restart() {
  before_ = net::sample_cpu(root_);
  submission_before_ = submission_us();
  clock_ = Stopwatch();
}

std::optional<Starvation> StarvationWatch::starved() const {
  auto use = net::cpu_use_since(before_, root_);
  if (!use.runnable_known) return std::nullopt;
  double submission_ms = -1;
  if (auto now = submission_us(); now && submission_before_) {
    submission_ms = static_cast<double>(*now > *submission_before_ ? *now - *submission_before_ : 0) / 1000.0;
  } else if (!alone_) {
    return std::nullopt;  // other cells of the submission ran at once, and their CPU is unknown
  }
  return starvation_of(clock_.elapsed_ms(), use.cpu_ms, use.runnable_ms, submission_ms);
}

std::string record_starvation(Context& ctx, const std::string& who, const Starvation& starved) {
  ctx.evidence()["starved"] = who + ": " + starved.sentence();
  return "the machine was too busy to judge this: the " + who +
         " was ready to run but got almost no CPU, and a deadline ran out (evidence: starved)";
}

Step<void> not_starved(Context& ctx, const StarvationWatch& watch, const std::string& who) {
  auto starved = watch.starved();
  if (!starved) return {};
  return harness_error(record_starvation(ctx, who, *starved));
}

}  // namespace sockgrade::grading
