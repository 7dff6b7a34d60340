#include "report/json_writer.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "core/retry.hpp"
#include "report/formats.hpp"

namespace sockgrade::report {

std::string render_json(const Report& r) {
  return to_json(r).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

Result<void> write_file_atomically(const std::string& path, const std::string& content) {
  namespace fs = std::filesystem;
  fs::path target(path);
  fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  std::string tmpl = (dir / ("." + target.filename().string() + ".XXXXXX")).string();
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) return unexpected(errno_error("cannot write " + path));
  std::size_t off = 0;
  while (off < content.size()) {
    ssize_t w = retry_eintr([&] { return ::write(fd, content.data() + off, content.size() - off); });
    if (w <= 0) {
      auto e = errno_error("cannot write " + path);
      ::close(fd);
      ::unlink(tmpl.c_str());
      return unexpected(e);
    }
    off += static_cast<std::size_t>(w);
  }
  ::fchmod(fd, 0644);
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    auto e = errno_error("cannot write " + path);
    ::unlink(tmpl.c_str());
    return unexpected(e);
  }
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    auto e = errno_error("cannot write " + path);
    ::unlink(tmpl.c_str());
    return unexpected(e);
  }
  return {};
}

Result<void> write_json(const Report& r, const std::string& path) {
  return write_output(path, render_json(r));
}

}  // namespace sockgrade::report
