#include "lab/sanitized_build.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "lab/build.hpp"
#include "support/temp_dir.hpp"

namespace sockgrade::lab {
namespace {

using Strings = std::vector<std::string>;

TEST(SanitizedCommand, MakeGetsCompilerAndFlagsOnItsCommandLine) {
  auto cmd = sanitized_command({"make"}, true, "address", {});
  EXPECT_EQ(cmd, (Strings{"make", "CC=cc", "CXX=c++",
                          "CFLAGS=-fsanitize=address,undefined -fno-omit-frame-pointer -g -O0 -pthread",
                          "CXXFLAGS=-fsanitize=address,undefined -fno-omit-frame-pointer -g -O0 -pthread",
                          "LDFLAGS=-fsanitize=address,undefined -pthread"}));
  EXPECT_EQ(sanitized_command({"make"}, true, "thread", {})[3], "CFLAGS=-fsanitize=thread -g -O1 -pthread");
}

TEST(SanitizedCommand, TheFastLinkerGoesWhereverTheProgramMayBeLinked) {
  auto cmd = sanitized_command({"make"}, true, "address", {"-fuse-ld=gold"});
  EXPECT_EQ(cmd[3], "CFLAGS=-fsanitize=address,undefined -fno-omit-frame-pointer -g -O0 -fuse-ld=gold -pthread");
  EXPECT_EQ(cmd[5], "LDFLAGS=-fsanitize=address,undefined -fuse-ld=gold -pthread");
  EXPECT_EQ(sanitized_command({"cc", "-o", "server", "server.c"}, false, "thread", {"-fuse-ld=gold"}),
            (Strings{"cc", "-o", "server", "server.c", "-fsanitize=thread", "-g", "-O1", "-fuse-ld=gold"}));
}

TEST(SanitizedCommand, CompileCommandGetsTheFlagsLastSoTheirOptimisationWins) {
  auto cmd = sanitized_command({"cc", "-O2", "-o", "server", "server.c"}, false, "thread", {});
  EXPECT_EQ(cmd, (Strings{"cc", "-O2", "-o", "server", "server.c", "-fsanitize=thread", "-g", "-O1"}));
}

TEST(SanitizedCopy, IsRecognisedByItsFirstComponent) {
  EXPECT_TRUE(in_sanitized_copy(".sockgrade-address/server"));
  EXPECT_TRUE(in_sanitized_copy(".sockgrade-thread"));
  EXPECT_FALSE(in_sanitized_copy("server"));
  EXPECT_FALSE(in_sanitized_copy("src/.sockgrade-address/x"));
}

TEST(SanitizedBuild, UninstrumentedReasonNamesTheMakefile) {
  EXPECT_EQ(uninstrumented_reason("server", "address", true),
            "built 'server' without instrumentation (no __asan_init in it): the Makefile ignores CC, CFLAGS and LDFLAGS");
  EXPECT_EQ(uninstrumented_reason("server", "thread", false), "built 'server' without instrumentation (no __tsan_init in it)");
}

// Builds through build_here in this process (no cell): an ordinary and an instrumented build.
class SanitizedBuildRun : public ::testing::Test {
 protected:
  BuildOutcome build(const std::vector<std::string>& sanitizers) {
    Submission sub;
    sub.path = dir.path();
    BuildPlace place;
    place.src = dir.path();
    place.home = dir.path().string();
    BuildRule rule;
    rule.c = {"cc", "-O2", "-o", "{executable}", "{sources}"};
    return build_here(sub, rule, cell::Limits{}, place, sanitizers);
  }
  testing::TempDir dir;
};

constexpr const char* kServer = "int main(void) { return 0; }\n";

TEST_F(SanitizedBuildRun, CompileCommandIsInstrumented) {
  if (std::system("cc --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "no C compiler here";
  dir.write("server.c", kServer);
  auto b = build({"address"});
  ASSERT_EQ(b.status, "ok") << b.log;
  ASSERT_EQ(b.sanitized.size(), 1u);
  EXPECT_EQ(b.sanitized[0].status, "ok") << b.sanitized[0].message;
  EXPECT_EQ(b.sanitized[0].program_name, ".sockgrade-address/server");
  EXPECT_EQ(b.program_name, "server");  // the copy's program is not the ordinary build's
  EXPECT_TRUE(*is_instrumented(dir.path() / ".sockgrade-address/server", "address"));
  EXPECT_FALSE(*is_instrumented(dir.path() / "server", "address"));
}

TEST_F(SanitizedBuildRun, MakefileThatIgnoresCflagsIsUninstrumented) {
  if (std::system("make --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "no make here";
  dir.write("server.c", kServer);
  dir.write("Makefile", "server: server.c\n\tcc -O2 -o server server.c\n");
  auto b = build({"address", "thread"});
  ASSERT_EQ(b.status, "ok") << b.log;
  ASSERT_EQ(b.sanitized.size(), 2u);
  EXPECT_EQ(b.sanitized[0].status, "uninstrumented");
  EXPECT_EQ(b.sanitized[0].message,
            "built 'server' without instrumentation (no __asan_init in it): the Makefile ignores CC, CFLAGS and LDFLAGS");
  EXPECT_EQ(b.sanitized[1].status, "uninstrumented");
}

TEST_F(SanitizedBuildRun, AnExecutableHasNothingToInstrument) {
  Submission sub;
  sub.kind = Submission::Kind::executable;
  sub.path = dir.write("server", "#!/bin/sh\n", 0755);
  auto b = build_here(sub, BuildRule{}, cell::Limits{}, BuildPlace{}, {"address"});
  ASSERT_EQ(b.sanitized.size(), 1u);
  EXPECT_EQ(b.sanitized[0].status, "skipped");
  EXPECT_EQ(b.sanitized[0].message, "an executable was given: the memory checks need the sources");
}

TEST_F(SanitizedBuildRun, JsonKeepsTheSanitizedBuilds) {
  BuildOutcome b;
  b.status = "ok";
  b.sanitized.push_back({.sanitizer = "thread", .status = "uninstrumented", .message = "why"});
  auto back = build_from_json(build_to_json(b));
  ASSERT_EQ(back.sanitized.size(), 1u);
  EXPECT_EQ(back.sanitized[0].sanitizer, "thread");
  EXPECT_EQ(back.sanitized[0].status, "uninstrumented");
  EXPECT_EQ(back.sanitized[0].message, "why");
}

}  // namespace
}  // namespace sockgrade::lab
