#include "core/strings.hpp"

#include <stdio.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sockgrade {
namespace {

using Strings = std::vector<std::string>;

TEST(Split, KeepsEmptyFields) {
  EXPECT_EQ(split("a,b,,c", ','), (Strings{"a", "b", "", "c"}));
  EXPECT_EQ(split("", ','), (Strings{""}));
  EXPECT_EQ(split(",", ','), (Strings{"", ""}));
  EXPECT_EQ(split("abc", ','), (Strings{"abc"}));
}

TEST(Join, IsTheInverseOfSplit) {
  EXPECT_EQ(join({"a", "b", "c"}, ", "), "a, b, c");
  EXPECT_EQ(join({}, ","), "");
  EXPECT_EQ(join({"x"}, ","), "x");
  EXPECT_EQ(join(split("a,b,,c", ','), ","), "a,b,,c");
}

TEST(StartsWith, ComparesPrefixes) {
  EXPECT_TRUE(starts_with("sockgrade", "sock"));
  EXPECT_TRUE(starts_with("sock", ""));
  EXPECT_FALSE(starts_with("so", "sock"));
}

TEST(Trim, RemovesSpacesTabsAndNewlinesAtBothEnds) {
  EXPECT_EQ(trim("  a b \t\r\n"), "a b");
  EXPECT_EQ(trim("\n\n"), "");
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim("x"), "x");
}

TEST(GlobMatch, FollowsFnmatch) {
  EXPECT_TRUE(glob_match("basic.*", "basic.small-echo"));
  EXPECT_FALSE(glob_match("basic.*", "shutdown.half-close"));
  EXPECT_TRUE(glob_match("*.half-close", "shutdown.half-close"));
  EXPECT_TRUE(glob_match("basic.binar?", "basic.binary"));
  EXPECT_FALSE(glob_match("basic.binar?", "basic.binar"));
  EXPECT_TRUE(glob_match("[bs]*", "sigpipe.peer-vanishes"));
  EXPECT_FALSE(glob_match("[bs]*", "resources.idle-cpu"));
  EXPECT_TRUE(glob_match("exact", "exact"));
}

TEST(ClosestMatch, FindsATypo) {
  Strings keys = {"schema", "name", "title", "checks", "build", "run", "limits"};
  EXPECT_EQ(closest_match("chekcs", keys), "checks");
  EXPECT_EQ(closest_match("limit", keys), "limits");
  EXPECT_EQ(closest_match("buidl", keys), "build");
}

TEST(ClosestMatch, UnrelatedWordGivesNothing) {
  Strings keys = {"schema", "name", "title", "checks", "build", "run", "limits"};
  EXPECT_EQ(closest_match("zzzzzzzz", keys), "");
  EXPECT_EQ(closest_match("anything", {}), "");
}

TEST(LastLines, KeepsTheTail) {
  EXPECT_EQ(last_lines("a\nb\nc\n", 2), "b\nc\n");
  EXPECT_EQ(last_lines("a\nb\nc", 2), "b\nc");
  EXPECT_EQ(last_lines("a\nb\nc\n", 1), "c\n");
  EXPECT_EQ(last_lines("a\nb\n", 5), "a\nb\n");
  EXPECT_EQ(last_lines("", 3), "");
}

TEST(ReplaceAll, EveryOccurrenceLeftToRight) {
  EXPECT_EQ(replace_all("/s/alice is empty; /s/alice again", "/s/alice", "alice"), "alice is empty; alice again");
  EXPECT_EQ(replace_all("aaa", "aa", "b"), "ba");
  EXPECT_EQ(replace_all("abc", "x", "y"), "abc");
  EXPECT_EQ(replace_all("abc", "", "y"), "abc");
  EXPECT_EQ(replace_all("", "a", "b"), "");
}

TEST(ShellQuote, KeepsPlainWords) {
  for (const char* s : {"abc", "--only", "basic.small-echo", "/tmp/x_y", "a=b", "a,b:c@d+e%f"}) {
    EXPECT_EQ(shell_quote(s), s);
  }
}

TEST(ShellQuote, QuotesSpacesQuotesAndMetacharacters) {
  EXPECT_EQ(shell_quote(""), "''");
  EXPECT_EQ(shell_quote("a b"), "'a b'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote("$HOME"), "'$HOME'");
}

// What /bin/sh makes of `printf %s <quoted>`: the argument after word splitting and expansion.
std::string through_shell(const std::string& quoted) {
  std::string cmd = "printf '%s' " + quoted;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return "<popen failed>";
  std::string out;
  char buf[256];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = ::pclose(p);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) out += "<exit status " + std::to_string(status) + ">";
  return out;
}

TEST(ShellQuote, RoundTripsThroughARealShell) {
  const char* kArgs[] = {"a b",     "it's",   "two  spaces", "$HOME",      "`id`",      "$(id)", "a\"b",
                         "*",       "back\\slash", "semi;colon", "new\nline", "tab\there", "!bang", "~",
                         "a&b|c>d", "'",      "''",          "-n",         "%s %d",     "plain", "x=y z"};
  for (const char* arg : kArgs) {
    EXPECT_EQ(through_shell(shell_quote(arg)), arg) << "quoted as " << shell_quote(arg);
  }
}

}  // namespace
}  // namespace sockgrade
