#include "grading/starvation.hpp"

#include "grading/context.hpp"


namespace sockgrade::grading {

std::string Starvation::sentence() const {
  auto seconds = [](double ms) { return format_duration(Millis(static_cast<int64_t>(ms))); };
  return "over " + seconds(wall_ms) + " the program's tasks waited " + seconds(waiting_ms) +
         " for a CPU in all and got " + seconds(cpu_ms) +
         " of CPU: the machine gave the CPUs to other programs";
}

std::optional<Starvation> starvation_of(double wall_ms, double cpu_ms, double runnable_ms) {
  double waiting_ms = runnable_ms > cpu_ms ? runnable_ms - cpu_ms : 0;
  if (wall_ms <= 0 || waiting_ms < 0.5 * wall_ms || cpu_ms > 0.25 * wall_ms) return std::nullopt;
  return Starvation{wall_ms, cpu_ms, waiting_ms};
}

StarvationWatch::StarvationWatch(pid_t root) : root_(root), before_(net::sample_cpu(root)) {}

void StarvationWatch::restart() {
  before_ = net::sample_cpu(root_);
  clock_ = Stopwatch();
}

std::optional<Starvation> StarvationWatch::starved() const {
  auto use = net::cpu_use_since(before_, root_);
  if (!use.runnable_known) return std::nullopt;
  return starvation_of(clock_.elapsed_ms(), use.cpu_ms, use.runnable_ms);
}

Step<void> not_starved(Context& ctx, const StarvationWatch& watch) {
  auto starved = watch.starved();
  if (!starved) return {};
  ctx.evidence()["starved"] = starved->sentence();
  return harness_error("the machine was too busy to judge this: the program was ready to run but got almost no CPU "
                       "before the deadline (evidence: starved)");
}

}  // namespace sockgrade::grading
