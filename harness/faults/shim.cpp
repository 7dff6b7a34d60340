#include "faults/shim.hpp"

#include <elf.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/fd.hpp"

namespace sockgrade::faults {
namespace fs = std::filesystem;

namespace {
// Mirrors struct shim_stats in shim.c.
struct RawStats {
  uint64_t magic, calls, short_writes, eintr, bytes_withheld, stream_writes, one_byte_writes, send_buffers_capped,
      clean_leak_checks;
};
constexpr uint64_t kMagic = 0x5347534853494d31ull;
}  // namespace

Result<std::string> shim_library_path() {
  if (const char* env = std::getenv("SOCKGRADE_SHIM"); env && *env) return std::string(env);
  char exe[4096];
  ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    fs::path dir = fs::path(std::string(exe, static_cast<std::size_t>(n))).parent_path();
    // Beside the CLI (a build tree), or where the package installs it: libexec, not lib, since it
    // is no library to link against (and so the package needs no ldconfig call).
    for (auto candidate : {dir / "libsockgrade_shim.so", dir.parent_path() / "libexec" / "sockgrade" / "libsockgrade_shim.so",
                           dir.parent_path() / "lib" / "sockgrade" / "libsockgrade_shim.so"}) {
      if (fs::exists(candidate)) return candidate.string();
    }
  }
  return error_result("the preload shim libsockgrade_shim.so was not found next to sockgrade (set SOCKGRADE_SHIM)");
}

Result<ShimSession> ShimSession::create(const ShimConfig& config, uint64_t seed, const std::string& library,
                                        const std::string& dir) {
  ShimSession s;
  s.config_ = config;
  s.seed_ = seed;
  s.library_ = library;
  std::string tmpl = dir + "/shim-counters-XXXXXX";
  Fd fd(::mkstemp(tmpl.data()));
  if (!fd) return unexpected(errno_error("mkstemp for the shim's counters"));
  if (::ftruncate(fd.get(), 4096) != 0) return unexpected(errno_error("ftruncate"));
  ::fchmod(fd.get(), 0666);  // the program may run under another uid
  s.stats_path_ = tmpl;
  return s;
}

ShimSession::ShimSession(ShimSession&& o) noexcept { *this = std::move(o); }

ShimSession& ShimSession::operator=(ShimSession&& o) noexcept {
  if (this == &o) return *this;
  if (!stats_path_.empty()) ::unlink(stats_path_.c_str());
  config_ = o.config_;
  seed_ = o.seed_;
  library_ = std::move(o.library_);
  stats_path_ = std::exchange(o.stats_path_, std::string());
  return *this;
}

ShimSession::~ShimSession() {
  if (!stats_path_.empty()) ::unlink(stats_path_.c_str());
}

std::vector<std::string> ShimSession::environment() const {
  return {"LD_PRELOAD=" + library_,
          "SOCKGRADE_SHIM_SEED=" + std::to_string(seed_),
          "SOCKGRADE_SHIM_SHORT=" + std::to_string(config_.short_writes),
          "SOCKGRADE_SHIM_EINTR=" + std::to_string(config_.eintr_permille),
          "SOCKGRADE_SHIM_EINTR_RUN=" + std::to_string(config_.eintr_max_run),
          "SOCKGRADE_SHIM_EINTR_CONNECT=" + std::string(config_.eintr_connect ? "1" : "0"),
          "SOCKGRADE_SHIM_SNDBUF=" + std::to_string(config_.send_buffer),
          "SOCKGRADE_SHIM_LEAK_SIGNAL=" + std::string(config_.leak_signal ? "1" : "0"),
          "SOCKGRADE_SHIM_STATS=" + stats_path_};
}

ShimStats ShimSession::stats() const {
  ShimStats out;
  Fd fd(::open(stats_path_.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return out;
  RawStats raw{};
  if (::pread(fd.get(), &raw, sizeof raw, 0) != static_cast<ssize_t>(sizeof raw) || raw.magic != kMagic) return out;
  out.loaded = true;
  out.calls = raw.calls;
  out.short_writes = raw.short_writes;
  out.eintr = raw.eintr;
  out.bytes_withheld = raw.bytes_withheld;
  out.stream_writes = raw.stream_writes;
  out.one_byte_writes = raw.one_byte_writes;
  out.send_buffers_capped = raw.send_buffers_capped;
  out.clean_leak_checks = raw.clean_leak_checks;
  return out;
}

std::string ShimSession::describe() const {
  std::string parts;
  if (config_.short_writes > 0) parts = "at most " + std::to_string(config_.short_writes) + " bytes per socket write";
  if (config_.short_writes < 0) parts = "socket writes cut to a random share of their length";
  if (config_.eintr_permille > 0) {
    if (!parts.empty()) parts += ", ";
    char share[16];
    std::snprintf(share, sizeof share, "%g", config_.eintr_permille / 10.0);
    parts += "EINTR on " + std::string(share) + "% of socket calls (at most " +
             std::to_string(config_.eintr_max_run) + " in a row)";
  }
  if (config_.send_buffer > 0) {
    if (!parts.empty()) parts += ", ";
    parts += "SO_SNDBUF " + std::to_string(config_.send_buffer) + " on every accepted socket";
  }
  return parts;
}

std::string ShimSession::fault_text() const {
  std::string text = "preload-shim:short=" + std::to_string(config_.short_writes) +
                     ",eintr_permille=" + std::to_string(config_.eintr_permille) +
                     ",eintr_max_run=" + std::to_string(config_.eintr_max_run);
  if (config_.send_buffer > 0) text += ",sndbuf=" + std::to_string(config_.send_buffer);
  if (config_.leak_signal) text += ",leak_signal=SIGRTMAX";
  return text;
}

Result<bool> is_dynamically_linked(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return error_result("cannot read " + path);
  Elf64_Ehdr eh{};
  if (!in.read(reinterpret_cast<char*>(&eh), sizeof eh) || std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) {
    return error_result(path + " is not an ELF executable");
  }
  if (eh.e_ident[EI_CLASS] != ELFCLASS64) return error_result(path + " is not a 64-bit ELF executable");
  for (int i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph{};
    in.seekg(static_cast<std::streamoff>(eh.e_phoff + static_cast<uint64_t>(i) * eh.e_phentsize));
    if (!in.read(reinterpret_cast<char*>(&ph), sizeof ph)) return error_result(path + ": truncated program headers");
    if (ph.p_type == PT_INTERP) return true;
  }
  return false;
}

}  // namespace sockgrade::faults
