#include "cell/identity.hpp"

#include <sys/syscall.h>
#include <unistd.h>

namespace sockgrade::cell {

namespace {
constexpr uid_t kBase = 1u << 20;  // far above the uids and gids accounts use
}

Identity identity_for_cell(uint64_t sequence) {
  // Distinct for concurrent harness processes (their pids differ) and for cells of one.
  uid_t id = kBase + static_cast<uid_t>((static_cast<uint64_t>(::getpid()) % 4096) * 4096 + sequence % 4096);
  return Identity{id, id};
}

// Raw syscalls, not libc's wrappers: in a process with threads, libc's setresuid() takes a lock
// of its thread list and signals every thread to change its ids too. A child made with CLONE_VM
// (spawn.cpp) shares the harness's memory, so that lock and list are the harness's: a harness
// thread holding the lock would hang the child. The kernel's calls change the calling task only.
const char* drop_privileges(const Identity& id) noexcept {
  if (::syscall(SYS_setgroups, 0, nullptr) != 0) return "setgroups(0)";
  if (::syscall(SYS_setresgid, id.gid, id.gid, id.gid) != 0) return "setresgid";
  if (::syscall(SYS_setresuid, id.uid, id.uid, id.uid) != 0) return "setresuid";
  return nullptr;
}

}  // namespace sockgrade::cell
