#include "cell/user_ns.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <string>

#include "core/fd.hpp"

namespace sockgrade::cell {
namespace {

Result<void> write_proc(const char* path, const std::string& value) {
  Fd f(::open(path, O_WRONLY | O_CLOEXEC));
  if (!f || ::write(f.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size())) {
    return unexpected(errno_error(std::string("write(") + path + ")"));
  }
  return {};
}

}  // namespace

Result<void> enter_user_namespace() {
  uid_t uid = ::geteuid();
  gid_t gid = ::getegid();
  if (::unshare(CLONE_NEWUSER) != 0) return unexpected(errno_error("unshare(CLONE_NEWUSER)"));
  SG_CHECK(write_proc("/proc/self/setgroups", "deny"));
  SG_CHECK(write_proc("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1"));
  SG_CHECK(write_proc("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1"));
  return {};
}

}  // namespace sockgrade::cell
