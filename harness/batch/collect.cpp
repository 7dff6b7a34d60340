#include "batch/collect.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <system_error>

#include "batch/archive.hpp"

namespace sockgrade::batch {
namespace fs = std::filesystem;

std::string safe_id(const std::string& name) {
  std::string id;
  for (unsigned char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    id += ok ? static_cast<char>(c) : '_';
  }
  if (!id.empty() && (id.front() == '.' || id.front() == '-')) id.front() = '_';
  return id.empty() ? "_" : id;
}

Result<Collected> collect_submissions(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return error_result(dir.string() + ": not a directory of submissions");
  Collected out;
  std::map<std::string, fs::path> seen;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    auto name = e.path().filename().string();
    if (name.empty() || name.front() == '.') continue;  // .git, .DS_Store, editors' files
    Entry entry;
    entry.path = e.path();
    if (e.is_directory(ec) && !e.is_symlink(ec)) {
      entry.id = safe_id(name);
    } else if (e.is_regular_file(ec) && is_archive(e.path())) {
      entry.id = safe_id(archive_stem(e.path()));
      entry.archive = true;
    } else {
      out.ignored.push_back(name);
      continue;
    }
    auto [it, fresh] = seen.emplace(entry.id, e.path());
    if (!fresh) {
      return error_result("two submissions have the id '" + entry.id + "': " + it->second.filename().string() + " and " + name);
    }
    out.entries.push_back(std::move(entry));
  }
  if (ec) return error_result(dir.string() + ": " + ec.message());
  std::sort(out.entries.begin(), out.entries.end(), [](const Entry& a, const Entry& b) { return a.id < b.id; });
  std::sort(out.ignored.begin(), out.ignored.end());
  return out;
}

Result<Shard> parse_shard(const std::string& text) {
  auto slash = text.find('/');
  Shard s;
  auto bad = [&] { return error_result("--shard: expected I/N with 0 <= I < N (e.g. 0/4), got '" + text + "'"); };
  if (slash == std::string::npos) return bad();
  const char* b = text.data();
  auto r1 = std::from_chars(b, b + slash, s.index);
  auto r2 = std::from_chars(b + slash + 1, b + text.size(), s.count);
  if (r1.ec != std::errc() || r1.ptr != b + slash || r2.ec != std::errc() || r2.ptr != b + text.size()) return bad();
  if (s.count < 1 || s.index < 0 || s.index >= s.count) return bad();
  return s;
}

std::vector<Entry> shard_of(const std::vector<Entry>& entries, const Shard& shard) {
  std::vector<Entry> out;
  for (std::size_t i = static_cast<std::size_t>(shard.index); i < entries.size(); i += static_cast<std::size_t>(shard.count)) {
    out.push_back(entries[i]);
  }
  return out;
}

}  // namespace sockgrade::batch
