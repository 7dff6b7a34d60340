// The unprivileged identity a student's program runs under when the harness is root (BRIEF §4
// layer 4): a uid and gid no account uses, one per cell, so that a program can neither touch
// the harness's files nor share a process budget (RLIMIT_NPROC) with another cell.
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace sockgrade::cell {

struct Identity {
  uid_t uid = 0;
  gid_t gid = 0;
};

// A fresh identity for the `sequence`-th cell of this harness process.
Identity identity_for_cell(uint64_t sequence);

// Between clone and exec (spawn.cpp), or in a probe child: drops supplementary groups, then gid, then uid (in that order, or the
// later calls would no longer be allowed). Returns the failed step's name, or nullptr.
const char* drop_privileges(const Identity& id) noexcept;

}  // namespace sockgrade::cell
