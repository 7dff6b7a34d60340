#include "lab/submission.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <vector>

#include "core/sha256.hpp"

namespace sockgrade::lab {
namespace fs = std::filesystem;
namespace {

constexpr uintmax_t kMaxSubmissionBytes = 64ull << 20;

bool is_source(const fs::path& p) {
  auto ext = p.extension().string();
  return ext == ".c" || ext == ".cpp" || ext == ".cc" || ext == ".cxx";
}

void hash_file(Sha256& h, const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) h.update(std::string_view(buf, static_cast<std::size_t>(in.gcount())));
}

}  // namespace

Result<Submission> resolve_submission(const std::string& arg) {
  std::error_code ec;
  fs::path p(arg);
  if (!fs::exists(p, ec)) return error_result("submission not found: " + arg);
  Submission s;
  s.path = fs::absolute(p).lexically_normal();
  if (s.path.filename().empty()) s.path = s.path.parent_path();
  s.id = s.path.filename().string();

  if (fs::is_regular_file(s.path, ec)) {
    if (::access(s.path.c_str(), X_OK) != 0) {
      return error_result("submission " + arg + " is a file but not executable (give a source directory or a built program)");
    }
    s.kind = Submission::Kind::executable;
    Sha256 h;
    hash_file(h, s.path);
    s.sha256 = h.hex_digest();
    return s;
  }
  if (!fs::is_directory(s.path, ec)) return error_result("submission " + arg + " is neither a directory nor a file");

  std::vector<fs::path> files;
  bool has_makefile = false, has_sources = false;
  uintmax_t total = 0;
  for (auto it = fs::recursive_directory_iterator(s.path, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_symlink(ec) || !it->is_regular_file(ec)) continue;
    auto rel = fs::relative(it->path(), s.path, ec);
    files.push_back(rel);
    total += it->file_size(ec);
    if (total > kMaxSubmissionBytes) return error_result("submission " + arg + " is larger than 64 MiB: not a lab submission");
    if (rel.parent_path().empty()) {
      auto name = rel.filename().string();
      if (name == "Makefile" || name == "makefile" || name == "GNUmakefile") has_makefile = true;
      if (is_source(rel)) has_sources = true;
    }
  }
  if (files.empty()) return error_result("submission directory " + arg + " is empty");
  if (!has_makefile && !has_sources) {
    return error_result("submission directory " + arg + " has no Makefile and no *.c / *.cpp sources");
  }
  std::sort(files.begin(), files.end());
  Sha256 h;
  for (const auto& rel : files) {
    h.update(rel.string());
    h.update(std::string_view("\0", 1));
    hash_file(h, s.path / rel);
    h.update(std::string_view("\0", 1));
  }
  s.sha256 = h.hex_digest();
  return s;
}

}  // namespace sockgrade::lab
