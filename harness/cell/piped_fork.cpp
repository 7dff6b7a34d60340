#include "cell/piped_fork.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sockgrade::cell {

std::string fork_with_pipe(PipedChild& out) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return std::string("pipe2: ") + std::strerror(errno);
  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(p[0]);
    ::close(p[1]);
    return std::string("fork: ") + std::strerror(err);
  }
  ::close(pid == 0 ? p[0] : p[1]);
  out = {pid, pid == 0 ? p[1] : p[0]};
  return {};
}

}  // namespace sockgrade::cell
