#include "lab/submission.hpp"

#include <sys/stat.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "core/sha256.hpp"
#include "support/temp_dir.hpp"

namespace sockgrade::lab {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using testing::TempDir;

const std::regex kSha256Hex("^[0-9a-f]{64}$");

// Files of a submission directory: {path inside it, content}.
using Files = std::vector<std::pair<std::string, std::string>>;

// The directory `name` of `dir`, written with `files`, resolved as a submission.
Result<Submission> resolve_files(const TempDir& dir, const std::string& name, const Files& files) {
  for (const auto& [rel, content] : files) dir.write(name + "/" + rel, content);
  return resolve_submission((dir / name).string());
}

const std::string kMain = "int main(void) { return 0; }\n";

TEST(ResolveSubmission, MissingPath) {
  TempDir dir;
  auto path = (dir / "no-such-submission").string();
  auto r = resolve_submission(path);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, AllOf(HasSubstr("not found"), HasSubstr(path)));
}

TEST(ResolveSubmission, EmptyDirectory) {
  TempDir dir;
  std::filesystem::create_directory(dir / "empty");
  auto r = resolve_submission((dir / "empty").string());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, AllOf(HasSubstr("empty"), HasSubstr((dir / "empty").string())));
}

TEST(ResolveSubmission, DirectoryWithoutSources) {
  TempDir dir;
  auto r = resolve_files(dir, "sub", {{"README.txt", "my lab\n"}, {"notes/server.c.txt", "not a source\n"},
                                      {"src/server.c", kMain}});  // only top-level sources count
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, AllOf(HasSubstr("no Makefile"), HasSubstr("*.c")));
}

TEST(ResolveSubmission, NonExecutableFile) {
  TempDir dir;
  auto file = dir.write("server", "\x7f" "ELF not really", 0644);
  auto r = resolve_submission(file.string());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, AllOf(HasSubstr(file.string()), HasSubstr("not executable")));
}

TEST(ResolveSubmission, ExecutableFile) {
  TempDir dir;
  std::string content = "#!/bin/sh\nexit 0\n";
  auto file = dir.write("server", content, 0755);
  auto r = resolve_submission(file.string());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->kind, Submission::Kind::executable);
  EXPECT_EQ(r->id, "server");
  EXPECT_EQ(r->path, file);
  EXPECT_EQ(r->sha256, sha256_hex(content));  // the file's own hash
}

TEST(ResolveSubmission, SourceDirectory) {
  TempDir dir;
  dir.write("alice/server.c", kMain);
  dir.write("alice/util.h", "#pragma once\n");
  auto r = resolve_submission((dir / "alice").string() + "/");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->kind, Submission::Kind::sources);
  EXPECT_EQ(r->id, "alice");  // not "" for a trailing slash
  EXPECT_TRUE(r->path.is_absolute());
  EXPECT_EQ(r->path, dir / "alice");
  EXPECT_TRUE(std::regex_match(r->sha256, kSha256Hex)) << r->sha256;
}

TEST(ResolveSubmission, MakefileAloneIsEnough) {
  TempDir dir;
  auto r = resolve_files(dir, "bob", {{"Makefile", "all:\n\ttrue\n"}, {"src/main.c", kMain}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->kind, Submission::Kind::sources);
}

TEST(ResolveSubmission, RelativePathBecomesAbsolute) {
  TempDir dir;
  dir.write("carol/server.cpp", "int main() {}\n");
  auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  auto r = resolve_submission("./carol");
  std::filesystem::current_path(cwd);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->path, dir / "carol");
  EXPECT_EQ(r->id, "carol");
}

TEST(ResolveSubmission, HashIsStableAndTracksEveryByte) {
  TempDir dir;
  const Files files = {{"server.c", kMain}, {"lib/helper.c", "int helper(void) { return 1; }\n"}};
  auto first = resolve_files(dir, "s", files);
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto again = resolve_submission((dir / "s").string());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(first->sha256, again->sha256);

  // The same content elsewhere (another directory name) has the same hash: it names content.
  EXPECT_EQ(resolve_files(dir, "copy", files)->sha256, first->sha256);

  // One byte of one file changed.
  dir.write("s/lib/helper.c", "int helper(void) { return 2; }\n");
  auto changed = resolve_submission((dir / "s").string());
  ASSERT_TRUE(changed.ok());
  EXPECT_NE(changed->sha256, first->sha256);

  // Back to the original: the original hash again.
  dir.write("s/lib/helper.c", "int helper(void) { return 1; }\n");
  EXPECT_EQ(resolve_submission((dir / "s").string())->sha256, first->sha256);

  // A renamed file with the same content changes the hash too.
  std::filesystem::rename(dir / "s/lib/helper.c", dir / "s/lib/helpers.c");
  EXPECT_NE(resolve_submission((dir / "s").string())->sha256, first->sha256);
}

TEST(ResolveSubmission, FileBoundariesAreHashed) {
  // Names and contents concatenate to the same bytes ("a.c" "b.cZ" vs "a.c" "" "b.c" "Z"):
  // the hash must still tell the two submissions apart.
  TempDir dir;
  auto x = resolve_files(dir, "x", {{"a.c", "b.cZ"}});
  auto y = resolve_files(dir, "y", {{"a.c", ""}, {"b.c", "Z"}});
  ASSERT_TRUE(x.ok()) << x.error().message;
  ASSERT_TRUE(y.ok()) << y.error().message;
  EXPECT_NE(x->sha256, y->sha256);
}

}  // namespace
}  // namespace sockgrade::lab
