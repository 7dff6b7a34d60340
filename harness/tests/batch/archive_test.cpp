// Hostile archives are refused whole and never write outside their destination; honest ones
// unpack exactly.
#include "batch/archive.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/result_matchers.hpp"
#include "support/temp_dir.hpp"

namespace sockgrade::batch {
namespace {
namespace fs = std::filesystem;
using ::testing::HasSubstr;
using sockgrade::testing::FailsWith;

struct Member {
  std::string name;
  std::string content;
  unsigned type = AE_IFREG;
  std::string link;  // symlink target, or hardlink source when type is 0
};
Member file(std::string name, std::string content) { return {std::move(name), std::move(content), AE_IFREG, ""}; }
Member dir(std::string name) { return {std::move(name), "", AE_IFDIR, ""}; }
Member symlink(std::string name, std::string target) { return {std::move(name), "", AE_IFLNK, std::move(target)}; }
Member hardlink(std::string name, std::string source) { return {std::move(name), "", 0, std::move(source)}; }

using sockgrade::testing::read_file;
using sockgrade::testing::TempDir;

// Writes an archive of `members` in libarchive's `format` (tar: gnutar + gzip; zip).
void write_archive(const fs::path& p, const std::vector<Member>& members, bool zip) {
  struct archive* a = archive_write_new();
  if (zip) {
    archive_write_set_format_zip(a);
  } else {
    archive_write_set_format_gnutar(a);
    archive_write_add_filter_gzip(a);
  }
  ASSERT_EQ(archive_write_open_filename(a, p.c_str()), ARCHIVE_OK);
  for (const auto& m : members) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, m.name.c_str());
    archive_entry_set_perm(e, 0644);
    if (m.type == 0) {
      archive_entry_set_filetype(e, AE_IFREG);
      archive_entry_set_hardlink(e, m.link.c_str());
    } else {
      archive_entry_set_filetype(e, m.type);
      if (m.type == AE_IFLNK) archive_entry_set_symlink(e, m.link.c_str());
      if (m.type == AE_IFREG) archive_entry_set_size(e, static_cast<la_int64_t>(m.content.size()));
    }
    archive_write_header(a, e);
    if (m.type == AE_IFREG) archive_write_data(a, m.content.data(), m.content.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
}

// Writes `members` as `archive` (a zip when its name ends in .zip) and extracts it into `out`:
// why the extraction was refused, "" when it was not.
std::string refusal(const fs::path& archive, const std::vector<Member>& members, const fs::path& out,
                    const ArchiveLimits& limits = {}) {
  write_archive(archive, members, archive.extension() == ".zip");
  auto r = extract_archive(archive, out, limits);
  return r ? "" : r.error().message;
}

TEST(Archive, TarGzUnpacksFilesAndDirectories) {
  TempDir s;
  write_archive(s / "alice.tar.gz", {dir("alice/"), file("alice/server.c", "int main(void){}\n"), file("Makefile", "all:\n")}, false);
  ASSERT_TRUE(extract_archive(s / "alice.tar.gz", s / "out"));
  EXPECT_EQ(read_file(s / "out/alice/server.c"), "int main(void){}\n");
  EXPECT_EQ(read_file(s / "out/Makefile"), "all:\n");
}

TEST(Archive, ZipUnpacks) {
  TempDir s;
  write_archive(s / "bob.zip", {file("server.c", "x")}, true);
  ASSERT_TRUE(extract_archive(s / "bob.zip", s / "out"));
  EXPECT_EQ(read_file(s / "out/server.c"), "x");
}

TEST(Archive, DotDotIsRefusedAndNothingIsLeft) {
  TempDir s;
  EXPECT_THAT(refusal(s / "evil.tar.gz", {file("ok.c", "x"), file("../escaped", "pwned")}, s / "out"),
              HasSubstr("'..'"));
  EXPECT_FALSE(fs::exists(s / "escaped"));
  EXPECT_FALSE(fs::exists(s / "out"));  // the partial extraction is removed
}

TEST(Archive, AbsolutePathsAreRefused) {
  TempDir s;
  EXPECT_THAT(refusal(s / "evil.zip", {file("/tmp/sockgrade-archive-abs", "pwned")}, s / "out"),
              HasSubstr("absolute path"));
  EXPECT_FALSE(fs::exists("/tmp/sockgrade-archive-abs"));
}

TEST(Archive, SymlinksAndHardlinksAreRefused) {
  TempDir s;
  EXPECT_THAT(refusal(s / "sym.tar.gz", {symlink("link", "/etc"), file("link/passwd", "x")}, s / "out"),
              HasSubstr("not a regular file"));
  EXPECT_THAT(refusal(s / "hard.tar.gz", {file("a", "x"), hardlink("b", "/etc/passwd")}, s / "out2"),
              HasSubstr("not a regular file"));
}

TEST(Archive, SizeAndEntryCountAreBounded) {
  TempDir s;
  ArchiveLimits small;
  small.max_total_bytes = 1 << 20;
  // Three MiB of zeros compress to almost nothing.
  EXPECT_THAT(refusal(s / "big.tar.gz", {file("zeros", std::string(3 << 20, '\0'))}, s / "out", small),
              HasSubstr("more than 1 MiB"));
  std::vector<Member> many;
  for (int i = 0; i < 20; ++i) many.push_back(file("f" + std::to_string(i), "x"));
  small.max_entries = 10;
  EXPECT_THAT(refusal(s / "many.zip", many, s / "out2", small), HasSubstr("more than 10 entries"));
}

TEST(Archive, NotAnArchiveIsAnError) {
  TempDir s;
  std::ofstream(s / "junk.tar.gz") << "this is not gzip";
  EXPECT_THAT(extract_archive(s / "junk.tar.gz", s / "out"), FailsWith(HasSubstr("junk.tar.gz")));
}

TEST(Archive, NamesAndStems) {
  for (const char* archive : {"alice.tar.gz", "bob.zip", "c.tgz"}) EXPECT_TRUE(is_archive(archive)) << archive;
  for (const char* other : {"server.c", ".zip"}) EXPECT_FALSE(is_archive(other)) << other;
  EXPECT_EQ(archive_stem("alice.tar.gz"), "alice");
  EXPECT_EQ(archive_stem("bob.zip"), "bob");
}

}  // namespace
}  // namespace sockgrade::batch
