#include "cell/identity.hpp"

#include <grp.h>
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

const char* drop_privileges(const Identity& id) noexcept {
  if (::setgroups(0, nullptr) != 0) return "setgroups(0)";
  if (::setresgid(id.gid, id.gid, id.gid) != 0) return "setresgid";
  if (::setresuid(id.uid, id.uid, id.uid) != 0) return "setresuid";
  return nullptr;
}

}  // namespace sockgrade::cell
