#include "cell/cleanup.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "core/retry.hpp"
#include "net/observe.hpp"

namespace sockgrade::cell {

bool become_subreaper() { return ::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0; }

int kill_all_descendants() {
  int killed = 0;
  // A process may fork between the scan and the kill; repeat until nothing is left.
  for (int round = 0; round < 50; ++round) {
    auto pids = net::descendants_of(::getpid());
    if (pids.empty()) break;
    for (pid_t p : pids) {
      if (::kill(p, SIGKILL) == 0) ++killed;
    }
    // Reap what is our child now (orphans are reparented to us, the subreaper).
    while (retry_eintr([] { return ::waitpid(-1, nullptr, WNOHANG); }) > 0) {
    }
    // Blocking reap of our direct children: they die from SIGKILL without delay.
    pid_t r;
    while ((r = retry_eintr([] { return ::waitpid(-1, nullptr, 0); })) > 0) {
    }
  }
  return killed;
}

int remove_tmp_entries_of(uid_t owner, const char* tmp) {
  int removed = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(tmp, ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    struct stat st;
    if (::lstat(it->path().c_str(), &st) != 0 || st.st_uid != owner) continue;
    std::error_code rm;
    std::filesystem::remove_all(it->path(), rm);
    if (!rm) ++removed;
  }
  return removed;
}

}  // namespace sockgrade::cell
