// The server's processes and threads in words, for the concurrency checks' messages and
// evidence: "4 processes (3 children), 4 threads", and where its tasks wait.
#pragma once

#include <string>

#include "grading/check.hpp"
#include "net/observe.hpp"

namespace sockgrade::grading {
class Context;
class ServerUnderTest;
}

namespace sockgrade::checks {

// "1 client" / "3 clients".
std::string plural(int n, const std::string& one, const std::string& many);

// "1 process, 3 threads" / "4 processes (3 children), 4 threads, 1 zombie".
std::string describe_tree(const net::TreeSnapshot& s);

// "accept", "read", … for the calls a server blocks in; others by number.
std::string syscall_label(long nr);

// Where the server's tasks wait and how many connections nobody has accepted yet, into the
// evidence of a client that got no answer.
void note_waiting(grading::Context& ctx);

// After clients left: no zombie and no child still alive (waiting while a child or the reaping
// parent is busy). A failure says which, after `scene`; `zombie_why` explains zombies.
grading::Step<void> children_gone(grading::Context& ctx, grading::ServerUnderTest& srv, const std::string& scene,
                                  const std::string& zombie_why);

}  // namespace sockgrade::checks
