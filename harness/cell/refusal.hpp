// A refusal the sandbox may cause, read from what the program printed: a line of its stderr
// that ends in the text of EACCES, EPERM or EROFS ("bind: Permission denied"). The line itself
// is the proof a message quotes; without such a line nothing is claimed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sockgrade::cell {

struct Refusal {
  std::string line;        // the stderr line, trimmed: "bind: Permission denied"
  std::string errno_name;  // "EACCES", "EPERM" or "EROFS"
};

// The last such line of `stderr_text`, if any.
std::optional<Refusal> find_refusal(std::string_view stderr_text);

// One clause for a message: "the sandbox refused one of its calls (its stderr: \"bind:
// Permission denied\", EACCES): the program runs as an unprivileged user and can write only
// /tmp and its working directory". `sandboxed` false (no isolation): "the system refused …".
std::string refusal_clause(const Refusal& r, bool sandboxed);

}  // namespace sockgrade::cell
