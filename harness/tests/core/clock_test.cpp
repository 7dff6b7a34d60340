#include "core/clock.hpp"

#include <climits>
#include <regex>

#include <gtest/gtest.h>

#include "core/wait.hpp"

namespace sockgrade {
namespace {

using namespace std::chrono_literals;

TEST(Deadline, NeverMeansWaitForever) {
  EXPECT_EQ(Deadline::never().poll_timeout_ms(), -1);
  EXPECT_FALSE(Deadline::never().expired());
}

TEST(Deadline, PastDeadlineIsZeroNotNegative) {
  EXPECT_EQ(Deadline(Clock::now() - 5s).poll_timeout_ms(), 0);
  EXPECT_EQ(Deadline::after(-1000ms).poll_timeout_ms(), 0);
  EXPECT_TRUE(Deadline(Clock::now() - 1ms).expired());
}

TEST(Deadline, FutureDeadlineIsPositiveAndAtMostTheRequest) {
  int ms = Deadline::after(10s).poll_timeout_ms();
  EXPECT_GT(ms, 0);
  EXPECT_LE(ms, 10000);
}

TEST(Deadline, FarFutureClampsToIntMax) {
  EXPECT_EQ(Deadline::after(std::chrono::hours(24 * 365)).poll_timeout_ms(), INT_MAX);
}

TEST(Deadline, CappedTakesTheEarlier) {
  int capped = Deadline::never().capped(1s).poll_timeout_ms();
  EXPECT_GE(capped, 0);
  EXPECT_LE(capped, 1000);
  auto past = Deadline(Clock::now() - 1s);
  EXPECT_EQ(past.capped(1h).poll_timeout_ms(), 0);
}

TEST(FormatDuration, ReadsLikeAStudentWould) {
  EXPECT_EQ(format_duration(250ms), "250 ms");
  EXPECT_EQ(format_duration(0ms), "0 ms");
  EXPECT_EQ(format_duration(1500ms), "1.5 s");
  EXPECT_EQ(format_duration(20s), "20.0 s");
}

TEST(UtcNow, IsIso8601WithSeconds) {
  EXPECT_TRUE(std::regex_match(utc_now_iso8601(), std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)")));
}

TEST(WaitUntil, ReturnsAtOnceWhenThePredicateHolds) {
  int calls = 0;
  EXPECT_TRUE(wait_until(Deadline::never(), [&] { return ++calls > 0; }));
  EXPECT_EQ(calls, 1);
}

TEST(WaitUntil, ReportsFailureAfterAnExpiredDeadline) {
  int calls = 0;
  EXPECT_FALSE(wait_until(Deadline(Clock::now() - 1s), [&] {
    ++calls;
    return false;
  }));
  EXPECT_EQ(calls, 2);  // once, then once more after noticing the deadline
}

TEST(WaitUntil, SeesAConditionThatBecomesTrue) {
  int calls = 0;
  EXPECT_TRUE(wait_until(Deadline::never(), [&] { return ++calls == 4; }));
  EXPECT_EQ(calls, 4);
}

}  // namespace
}  // namespace sockgrade
