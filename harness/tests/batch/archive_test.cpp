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

namespace sockgrade::batch {
namespace {
namespace fs = std::filesystem;
using ::testing::HasSubstr;

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

class Scratch {
 public:
  Scratch() {
    char tmpl[] = "/tmp/sockgrade-archive-test-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~Scratch() { fs::remove_all(path_); }
  fs::path operator/(const std::string& n) const { return path_ / n; }

 private:
  fs::path path_;
};

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

std::string read(const fs::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(Archive, TarGzUnpacksFilesAndDirectories) {
  Scratch s;
  write_archive(s / "alice.tar.gz", {dir("alice/"), file("alice/server.c", "int main(void){}\n"), file("Makefile", "all:\n")}, false);
  ASSERT_TRUE(extract_archive(s / "alice.tar.gz", s / "out"));
  EXPECT_EQ(read(s / "out/alice/server.c"), "int main(void){}\n");
  EXPECT_EQ(read(s / "out/Makefile"), "all:\n");
}

TEST(Archive, ZipUnpacks) {
  Scratch s;
  write_archive(s / "bob.zip", {file("server.c", "x")}, true);
  ASSERT_TRUE(extract_archive(s / "bob.zip", s / "out"));
  EXPECT_EQ(read(s / "out/server.c"), "x");
}

TEST(Archive, DotDotIsRefusedAndNothingIsLeft) {
  Scratch s;
  write_archive(s / "evil.tar.gz", {file("ok.c", "x"), file("../escaped", "pwned")}, false);
  auto r = extract_archive(s / "evil.tar.gz", s / "out");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("'..'"));
  EXPECT_FALSE(fs::exists(s / "escaped"));
  EXPECT_FALSE(fs::exists(s / "out"));  // the partial extraction is removed
}

TEST(Archive, AbsolutePathsAreRefused) {
  Scratch s;
  write_archive(s / "evil.zip", {file("/tmp/sockgrade-archive-abs", "pwned")}, true);
  auto r = extract_archive(s / "evil.zip", s / "out");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("absolute path"));
  EXPECT_FALSE(fs::exists("/tmp/sockgrade-archive-abs"));
}

TEST(Archive, SymlinksAndHardlinksAreRefused) {
  Scratch s;
  write_archive(s / "sym.tar.gz", {symlink("link", "/etc"), file("link/passwd", "x")}, false);
  auto r = extract_archive(s / "sym.tar.gz", s / "out");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("not a regular file"));
  write_archive(s / "hard.tar.gz", {file("a", "x"), hardlink("b", "/etc/passwd")}, false);
  r = extract_archive(s / "hard.tar.gz", s / "out2");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("not a regular file"));
}

TEST(Archive, SizeAndEntryCountAreBounded) {
  Scratch s;
  write_archive(s / "big.tar.gz", {file("zeros", std::string(3 << 20, '\0'))}, false);  // compresses to almost nothing
  ArchiveLimits small;
  small.max_total_bytes = 1 << 20;
  auto r = extract_archive(s / "big.tar.gz", s / "out", small);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("more than 1 MiB"));
  std::vector<Member> many;
  for (int i = 0; i < 20; ++i) many.push_back(file("f" + std::to_string(i), "x"));
  write_archive(s / "many.zip", many, true);
  small.max_entries = 10;
  r = extract_archive(s / "many.zip", s / "out2", small);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("more than 10 entries"));
}

TEST(Archive, NotAnArchiveIsAnError) {
  Scratch s;
  std::ofstream(s / "junk.tar.gz") << "this is not gzip";
  auto r = extract_archive(s / "junk.tar.gz", s / "out");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("junk.tar.gz"));
}

TEST(Archive, NamesAndStems) {
  EXPECT_TRUE(is_archive("alice.tar.gz"));
  EXPECT_TRUE(is_archive("bob.zip"));
  EXPECT_TRUE(is_archive("c.tgz"));
  EXPECT_FALSE(is_archive("server.c"));
  EXPECT_FALSE(is_archive(".zip"));
  EXPECT_EQ(archive_stem("alice.tar.gz"), "alice");
  EXPECT_EQ(archive_stem("bob.zip"), "bob");
}

}  // namespace
}  // namespace sockgrade::batch
