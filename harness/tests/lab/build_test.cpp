#include "lab/build.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sockgrade::lab {
namespace {

using Strings = std::vector<std::string>;

TEST(ExpandCompileCommand, ReplacesExecutableAndSources) {
  Strings tmpl = {"cc", "-std=gnu11", "-O2", "-o", "{executable}", "{sources}"};
  EXPECT_EQ(expand_compile_command(tmpl, "server", {"main.c", "util.c"}),
            (Strings{"cc", "-std=gnu11", "-O2", "-o", "server", "main.c", "util.c"}));
}

TEST(ExpandCompileCommand, SourcesExpandInPlace) {
  Strings tmpl = {"c++", "{sources}", "-o", "{executable}", "-pthread"};
  EXPECT_EQ(expand_compile_command(tmpl, "srv", {"a.cpp"}), (Strings{"c++", "a.cpp", "-o", "srv", "-pthread"}));
}

TEST(ExpandCompileCommand, NoSourcesLeaveNoArgument) {
  Strings tmpl = {"cc", "-o", "{executable}", "{sources}"};
  EXPECT_EQ(expand_compile_command(tmpl, "server", {}), (Strings{"cc", "-o", "server"}));
}

TEST(ExpandCompileCommand, OnlyWholeArgumentsArePlaceholders) {
  // Arguments are never split or re-joined: a file name with a space stays one argument.
  Strings tmpl = {"cc", "-o", "{executable}", "{sources}"};
  EXPECT_EQ(expand_compile_command(tmpl, "my server", {"my file.c"}), (Strings{"cc", "-o", "my server", "my file.c"}));
  EXPECT_EQ(expand_compile_command({"echo", "{sources}x"}, "s", {"a.c"}), (Strings{"echo", "{sources}x"}));
}

TEST(BuildJson, RoundTrips) {
  BuildOutcome b;
  b.status = "failed";
  b.command = "cc -o server server.c";
  b.log = "server.c:1: warning: x\nserver.c:2: error: y\n";
  b.warnings = 1;
  b.duration_ms = 123.5;
  b.executable = "/tmp/x/server";
  b.message = "the build failed (exit status 1)";
  auto back = build_from_json(build_to_json(b));
  EXPECT_EQ(back.status, b.status);
  EXPECT_EQ(back.command, b.command);
  EXPECT_EQ(back.log, b.log);
  EXPECT_EQ(back.warnings, b.warnings);
  EXPECT_EQ(back.duration_ms, b.duration_ms);
  EXPECT_EQ(back.executable, b.executable);
  EXPECT_EQ(back.message, b.message);
  EXPECT_EQ(build_from_json(nlohmann::json::object()).status, "failed");  // nothing known: not ok
}

}  // namespace
}  // namespace sockgrade::lab
