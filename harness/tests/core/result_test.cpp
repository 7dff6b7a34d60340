#include "core/result.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "core/fd.hpp"
#include "core/retry.hpp"

namespace sockgrade {
namespace {

Result<int> parse_positive(int x) {
  if (x <= 0) return error_result("not positive: " + std::to_string(x));
  return x;
}

Result<void> check_even(int x) {
  if (x % 2) return error_result("odd: " + std::to_string(x));
  return {};
}

// Records how far it got, so that the tests see the early return.
Result<int> sum_of_positive_evens(int a, int b, int* reached) {
  *reached = 0;
  SG_TRY(int x, parse_positive(a));
  *reached = 1;
  SG_CHECK(check_even(x));
  *reached = 2;
  SG_TRY(int y, parse_positive(b));  // a second SG_TRY in the same function
  *reached = 3;
  SG_CHECK(check_even(y));
  *reached = 4;
  return x + y;
}

TEST(Result, HoldsAValueOrAnError) {
  Result<int> ok = 5;
  EXPECT_TRUE(ok.ok());
  EXPECT_TRUE(static_cast<bool>(ok));
  EXPECT_EQ(*ok, 5);
  Result<int> bad = error_result("boom");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "boom");
  EXPECT_EQ(bad.error().code, 0);
}

TEST(Result, WorksWithMoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  ASSERT_TRUE(r.ok());
  auto p = std::move(r).value();
  EXPECT_EQ(*p, 7);
}

TEST(Result, VoidDefaultsToOk) {
  Result<void> r;
  EXPECT_TRUE(r.ok());
  Result<void> e = error_result("no");
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(e.error().message, "no");
}

TEST(SgTry, ReturnsTheValueWhenEveryStepSucceeds) {
  int reached = -1;
  auto r = sum_of_positive_evens(2, 4, &reached);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, 6);
  EXPECT_EQ(reached, 4);
}

// sum_of_positive_evens(a, b) fails with `message`, having reached step `reached` and no further.
void expect_stops(int a, int b, const std::string& message, int reached) {
  int got = -1;
  auto r = sum_of_positive_evens(a, b, &got);
  ASSERT_FALSE(r.ok()) << "a=" << a << " b=" << b;
  EXPECT_EQ(r.error().message, message);
  EXPECT_EQ(got, reached) << "a=" << a << " b=" << b;
}

TEST(SgTry, ReturnsEarlyWithTheFirstError) {
  expect_stops(-1, 4, "not positive: -1", 0);
  expect_stops(2, 0, "not positive: 0", 2);
}

TEST(SgCheck, ReturnsEarlyWithTheError) {
  expect_stops(3, 4, "odd: 3", 1);
  expect_stops(2, 5, "odd: 5", 3);
}

TEST(ErrnoError, NamesTheCallAndTheErrno) {
  auto e = errno_error("connect to 127.0.0.1:1", ECONNREFUSED);
  EXPECT_EQ(e.message, "connect to 127.0.0.1:1: Connection refused");
  EXPECT_EQ(e.code, ECONNREFUSED);
}

TEST(RetryEintr, RetriesOnlyInterruptedCalls) {
  int calls = 0;
  auto r = retry_eintr([&] {
    ++calls;
    if (calls < 3) {
      errno = EINTR;
      return -1;
    }
    return 42;
  });
  EXPECT_EQ(r, 42);
  EXPECT_EQ(calls, 3);

  calls = 0;
  r = retry_eintr([&] {
    ++calls;
    errno = EAGAIN;
    return -1;
  });
  EXPECT_EQ(r, -1);
  EXPECT_EQ(calls, 1);
}

TEST(Fd, ClosesWhenDestroyedAndMovesOwnership) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  ::close(p[1]);
  int raw = p[0];
  {
    Fd a(raw);
    Fd b(std::move(a));
    EXPECT_FALSE(a.valid());
    EXPECT_EQ(b.get(), raw);
    EXPECT_NE(::fcntl(raw, F_GETFD), -1);
  }
  errno = 0;
  EXPECT_EQ(::fcntl(raw, F_GETFD), -1);
  EXPECT_EQ(errno, EBADF);
}

TEST(Fd, ReleaseGivesUpOwnership) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  int raw;
  {
    Fd a(p[0]);
    raw = a.release();
    EXPECT_FALSE(a);
  }
  EXPECT_NE(::fcntl(raw, F_GETFD), -1);
  ::close(raw);
  ::close(p[1]);
}

}  // namespace
}  // namespace sockgrade
