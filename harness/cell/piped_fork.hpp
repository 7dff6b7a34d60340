// A child that reports to its parent through a pipe: the cells (their result as JSON) and the
// isolation probes (an error text) both fork this way.
#pragma once

#include <sys/types.h>

#include <string>

namespace sockgrade::cell {

struct PipedChild {
  pid_t pid = -1;  // 0 in the child
  int fd = -1;     // the child's write end in the child, the read end in the parent (close-on-exec)
};

// Forks with a pipe from the child to the parent. Fills `out` on both sides and returns "", or
// returns the error text ("pipe2: …", "fork: …") with nothing left open.
std::string fork_with_pipe(PipedChild& out);

}  // namespace sockgrade::cell
