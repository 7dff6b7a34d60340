// FailsWith(m): a Result that is an error whose message matches `m`, in one assertion:
//   EXPECT_THAT(parse_fault("slice:bytes=0"), FailsWith(HasSubstr("out of range")));
// A Result that is ok fails it, saying so.
#pragma once

#include <string>

#include <gmock/gmock.h>

namespace sockgrade::testing {

MATCHER_P(FailsWith, message, "is an error whose message " + ::testing::DescribeMatcher<std::string>(message)) {
  if (arg.ok()) {
    *result_listener << "is ok";
    return false;
  }
  *result_listener << "is an error: " << arg.error().message;
  return ::testing::ExplainMatchResult(message, arg.error().message, result_listener);
}

}  // namespace sockgrade::testing
