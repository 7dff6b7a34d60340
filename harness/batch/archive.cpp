#include "batch/archive.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <system_error>
#include <vector>

#include "core/fd.hpp"
#include "core/strings.hpp"

namespace sockgrade::batch {
namespace fs = std::filesystem;
namespace {

const char* const kSuffixes[] = {".tar.gz", ".tgz", ".tar", ".zip"};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A relative path of plain components: no "", ".", ".." and not absolute.
Result<fs::path> safe_relative(const std::string& name) {
  if (name.empty()) return error_result("an entry without a name");
  if (name.front() == '/') return error_result("entry '" + name + "' has an absolute path");
  fs::path out;
  for (const auto& part : split(name, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") return error_result("entry '" + name + "' climbs out with '..'");
    if (part.find('\0') != std::string::npos) return error_result("entry '" + name + "' has a NUL byte");
    out /= part;
  }
  if (out.empty()) return error_result("entry '" + name + "' names the archive's root");
  return out;
}

// Creates every missing directory of `rel` under `dest` (never following a link: everything
// under dest was made by us, and links are refused anyway).
Result<void> make_dirs(const fs::path& dest, const fs::path& rel) {
  fs::path at = dest;
  for (const auto& part : rel) {
    at /= part;
    if (::mkdir(at.c_str(), 0700) != 0 && errno != EEXIST) return unexpected(errno_error("mkdir(" + at.string() + ")"));
    struct stat st;
    if (::lstat(at.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return error_result("'" + rel.string() + "' is not a directory");
  }
  return {};
}

struct ArchiveCloser {
  void operator()(struct archive* a) const { archive_read_free(a); }
};

Result<void> extract_into(const fs::path& archive_path, const fs::path& dest, const ArchiveLimits& limits) {
  std::unique_ptr<struct archive, ArchiveCloser> a(archive_read_new());
  archive_read_support_filter_gzip(a.get());
  archive_read_support_format_tar(a.get());
  archive_read_support_format_gnutar(a.get());
  archive_read_support_format_zip(a.get());
  if (archive_read_open_filename(a.get(), archive_path.c_str(), 64 * 1024) != ARCHIVE_OK) {
    return error_result("cannot read " + archive_path.filename().string() + ": " + archive_error_string(a.get()));
  }
  uint64_t total = 0;
  uint64_t entries = 0;
  struct archive_entry* e = nullptr;
  std::vector<char> buf(64 * 1024);
  for (;;) {
    int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) return error_result(archive_path.filename().string() + ": " + archive_error_string(a.get()));
    if (++entries > limits.max_entries) return error_result("more than " + std::to_string(limits.max_entries) + " entries");
    const char* raw = archive_entry_pathname(e);
    std::string name = raw ? raw : "";
    SG_TRY(auto rel, safe_relative(name));
    auto type = archive_entry_filetype(e);
    if (type == AE_IFDIR) {
      SG_CHECK(make_dirs(dest, rel));
      continue;
    }
    if (type != AE_IFREG || archive_entry_hardlink(e) != nullptr) {
      return error_result("entry '" + name + "' is not a regular file (links, devices and fifos are refused)");
    }
    if (rel.has_parent_path()) SG_CHECK(make_dirs(dest, rel.parent_path()));
    fs::path target = dest / rel;
    // Executable bits survive (a prebuilt binary), nothing else: no setuid, no group/other write.
    mode_t mode = (archive_entry_perm(e) & 0100) ? 0700 : 0600;
    Fd out(::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
    if (!out) return unexpected(errno_error("create " + rel.string()));
    for (;;) {
      la_ssize_t n = archive_read_data(a.get(), buf.data(), buf.size());
      if (n < 0) return error_result(archive_path.filename().string() + ": " + archive_error_string(a.get()));
      if (n == 0) break;
      total += static_cast<uint64_t>(n);
      if (total > limits.max_total_bytes) {
        return error_result("the archive unpacks to more than " + std::to_string(limits.max_total_bytes >> 20) + " MiB");
      }
      for (la_ssize_t off = 0; off < n;) {
        ssize_t w = ::write(out.get(), buf.data() + off, static_cast<size_t>(n - off));
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return unexpected(errno_error("write " + rel.string()));
        off += w;
      }
    }
  }
  return {};
}

}  // namespace

bool is_archive(const fs::path& p) {
  auto name = p.filename().string();
  for (const char* s : kSuffixes) {
    if (ends_with(name, s) && name.size() > std::string(s).size()) return true;
  }
  return false;
}

std::string archive_stem(const fs::path& p) {
  auto name = p.filename().string();
  for (const char* s : kSuffixes) {
    if (ends_with(name, s)) return name.substr(0, name.size() - std::string(s).size());
  }
  return name;
}

Result<void> extract_archive(const fs::path& archive, const fs::path& dest, const ArchiveLimits& limits) {
  if (::mkdir(dest.c_str(), 0700) != 0) return unexpected(errno_error("mkdir(" + dest.string() + ")"));
  auto r = extract_into(archive, dest, limits);
  if (!r) {
    std::error_code ec;
    fs::remove_all(dest, ec);
    return error_result(archive.filename().string() + ": " + r.error().message);
  }
  return {};
}

}  // namespace sockgrade::batch
