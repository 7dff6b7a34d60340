// The harness's side of the preload shim (faults/shim/shim.c): where the library is, the
// environment that configures it for one program, and what it did (read back from a small
// shared file the shim counts into).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace sockgrade::faults {

struct ShimConfig {
  int64_t short_writes = 0;  // 0: off; N > 0: at most N bytes per write; -1: a random share
  int eintr_permille = 0;    // chance of an EINTR per intercepted call
  int eintr_max_run = 3;     // never more than this many in a row on a thread
  bool eintr_connect = false;  // connect() interrupted too (the connection then goes on)
  int send_buffer = 0;  // > 0: SO_SNDBUF on every accepted socket (the namespace's cap, without one)
  bool leak_signal = false;  // SIGRTMAX: LeakSanitizer's check, then exit (memory.no-leak-per-client)
};

struct ShimStats {
  bool loaded = false;  // the shim ran inside the program (the file was mapped)
  uint64_t calls = 0;
  uint64_t short_writes = 0;
  uint64_t eintr = 0;
  uint64_t bytes_withheld = 0;
  uint64_t stream_writes = 0;    // writes on stream sockets while short writes were on
  uint64_t one_byte_writes = 0;  // of those, of at most one byte (they cannot be made short)
  uint64_t send_buffers_capped = 0;  // accepted sockets given ShimConfig::send_buffer
  uint64_t clean_leak_checks = 0;  // SIGRTMAX handled: LeakSanitizer's check found nothing
};

// libsockgrade_shim.so next to the running executable (or $SOCKGRADE_SHIM).
Result<std::string> shim_library_path();

class ShimSession {
 public:
  // `library` and `dir` as the program will see them: the shim's path, and a directory the
  // harness creates the counters file in (the program must be able to write it).
  static Result<ShimSession> create(const ShimConfig& config, uint64_t seed, const std::string& library,
                                    const std::string& dir);
  ShimSession(ShimSession&&) noexcept;
  ShimSession& operator=(ShimSession&&) noexcept;
  ~ShimSession();

  // LD_PRELOAD and the SOCKGRADE_SHIM_* variables for the program's environment.
  std::vector<std::string> environment() const;
  ShimStats stats() const;
  const ShimConfig& config() const { return config_; }
  // "at most 7 bytes per write, EINTR on 25% of socket calls", for messages.
  std::string describe() const;
  // "preload-shim:short=-1,eintr_permille=0,eintr_max_run=3", for the evidence's fault list.
  std::string fault_text() const;

 private:
  ShimSession() = default;
  ShimConfig config_;
  uint64_t seed_ = 0;
  std::string library_;
  std::string stats_path_;
};

// True when the ELF file at `path` has a program interpreter (PT_INTERP), i.e. is linked
// dynamically and so honours LD_PRELOAD; false for a static binary; an error for a file that
// is not a 64-bit ELF executable.
Result<bool> is_dynamically_linked(const std::string& path);

}  // namespace sockgrade::faults
