// The filesystem a student's program sees (BRIEF §4 layer 4): the whole tree read-only, a
// private, world-writable (1777) /tmp with the program (read-only, or writable for a build) at /tmp/prog and a
// writable scratch directory at /tmp/work, and empty directories where the harness's files,
// the reference solutions and other submissions would be.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/result.hpp"

namespace sockgrade::cell {

struct ViewSpec {
  std::string program_dir;        // host path of the program's directory
  bool program_writable = false;  // a build writes into it
  std::string staging;            // an empty host directory the view is assembled in
  std::vector<std::string> hidden;  // host directories replaced by empty ones
  uid_t owner = 0;                // who owns the scratch directory (the student's uid)
  gid_t group = 0;
  std::string shim_library;       // host path of the preload shim, copied into the view
  // The private /tmp (scratch included): larger than the file-size limit, so that one file
  // meets RLIMIT_FSIZE (SIGXFSZ) before the disk is full.
  uint64_t tmp_size_bytes = 256ull << 20;
};

// Paths inside the view.
struct View {
  std::string program_dir = "/tmp/prog";
  std::string scratch = "/tmp/work";
  std::string shared = "/tmp/.sockgrade";  // the harness's files the program may use (the shim)
  std::string shim_library;                // empty when none was given
};

// In a cell's own mount namespace (after enter_private_pids): builds the view; the cell sees
// it too from then on.
Result<View> enter_view(const ViewSpec& spec);

// The directories to hide from every student: the harness's own tree, home directories.
std::vector<std::string> default_hidden_directories();

}  // namespace sockgrade::cell
