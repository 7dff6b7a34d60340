// A refusal is named only from a line of the program's stderr that carries the errno text.
#include "cell/refusal.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sockgrade::cell {
namespace {

using ::testing::HasSubstr;

TEST(FindRefusal, PerrorOfBindIsAnEaccesRefusal) {
  auto r = find_refusal("starting\nbind: Permission denied\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->line, "bind: Permission denied");
  EXPECT_EQ(r->errno_name, "EACCES");
}

TEST(FindRefusal, TheLastRefusalWins) {
  auto r = find_refusal("open log: Operation not permitted\nmkdir /usr/x: Read-only file system\nbye\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->errno_name, "EROFS");
  EXPECT_EQ(r->line, "mkdir /usr/x: Read-only file system");
}

TEST(FindRefusal, OtherErrorsAreNoRefusal) {
  EXPECT_FALSE(find_refusal("bind: Address already in use\n"));
  EXPECT_FALSE(find_refusal("usage: server PORT\n"));
  EXPECT_FALSE(find_refusal(""));
}

TEST(RefusalClause, NamesTheSandboxOnlyWhenOneIsInForce) {
  Refusal r{"bind: Permission denied", "EACCES"};
  EXPECT_THAT(refusal_clause(r, true), HasSubstr("the sandbox refused one of its calls (its stderr: \"bind: Permission denied\", EACCES)"));
  EXPECT_THAT(refusal_clause(r, false), HasSubstr("the system refused"));
}

}  // namespace
}  // namespace sockgrade::cell
