// The words a student reads about a program a limit ended or is squeezing.
#include "cell/fate.hpp"

#include <signal.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sockgrade::cell {
namespace {

using ::testing::HasSubstr;

Verdict killed_by(int sig) {
  Verdict v;
  v.kind = Verdict::Kind::signaled;
  v.signal = sig;
  return v;
}

TEST(DescribeFate, SigkillAfterAnOomKillNamesTheMemoryLimit) {
  Limits limits;
  limits.memory_bytes = 256ull << 20;
  CgroupStats stats;
  stats.oom_kills = 1;
  EXPECT_THAT(describe_fate(killed_by(SIGKILL), limits, &stats), HasSubstr("killed: memory limit 256 MiB"));
}

TEST(DescribeFate, SigkillWithoutAnOomKillIsJustASignal) {
  Limits limits;
  CgroupStats stats;
  EXPECT_EQ(describe_fate(killed_by(SIGKILL), limits, &stats), killed_by(SIGKILL).describe());
  EXPECT_EQ(describe_fate(killed_by(SIGKILL), limits, nullptr), killed_by(SIGKILL).describe());
}

TEST(DescribeFate, RlimitSignalsNameTheirLimits) {
  Limits limits;
  limits.cpu_seconds = 10;
  limits.file_size_bytes = 64ull << 20;
  EXPECT_THAT(describe_fate(killed_by(SIGXCPU), limits, nullptr), HasSubstr("CPU time limit 10 s"));
  EXPECT_THAT(describe_fate(killed_by(SIGXFSZ), limits, nullptr), HasSubstr("file size limit 64 MiB"));
}

TEST(DescribeFate, SigkillAtTheCpuLimitNamesItWithTheCpuTimeAsProof) {
  Limits limits;
  limits.cpu_seconds = 10;
  Verdict v = killed_by(SIGKILL);
  v.cpu_ms = 10990;
  EXPECT_THAT(describe_fate(v, limits, nullptr), HasSubstr("killed: CPU time limit 10 s (SIGKILL, 11.0 s of CPU used)"));
  v.cpu_ms = 1200;  // killed by someone else: no claim about the CPU limit
  EXPECT_EQ(describe_fate(v, limits, nullptr), v.describe());
}

TEST(DescribePressure, NothingReachedSaysNothing) {
  auto p = describe_pressure({.memory_peak = Limits{}.memory_bytes / 2}, Limits{});
  EXPECT_FALSE(p.memory_exhausted);
  EXPECT_EQ(p.sentence, "");
}

TEST(DescribePressure, MemoryAtTheLimitIsExhausted) {
  auto p = describe_pressure({.memory_peak = 256ull << 20}, Limits{.memory_bytes = 256ull << 20});
  EXPECT_TRUE(p.memory_exhausted);
  EXPECT_THAT(p.sentence, HasSubstr("whole memory limit 256 MiB"));
}

TEST(DescribePressure, RefusedForksAreCounted) {
  auto p = describe_pressure({.pids_refused = 9000, .processes = 64}, Limits{.processes = 64});
  EXPECT_FALSE(p.memory_exhausted);
  EXPECT_THAT(p.sentence, HasSubstr("it ran 64 processes, at the process limit (64), which refused 9000 forks"));
}

TEST(DescribePressure, ProcessesAtTheLimitCountWithoutRefusals) {
  Limits limits{.processes = 64};
  CgroupStats stats{.processes = 63};  // RLIMIT_NPROC refused the rest before pids.max did
  EXPECT_THAT(describe_pressure(stats, limits).sentence, HasSubstr("it ran 63 processes, at the process limit (64)"));
  stats.processes = 40;  // a fork loop slowed down by a loaded machine
  EXPECT_THAT(describe_pressure(stats, limits).sentence, HasSubstr("it ran 40 processes, near the process limit (64)"));
  stats.processes = 3;
  EXPECT_EQ(describe_pressure(stats, limits).sentence, "");
}

}  // namespace
}  // namespace sockgrade::cell
