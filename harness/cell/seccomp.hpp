// An optional seccomp filter for the student's program (BRIEF §4 layer 5): the calls a socket
// lab never needs and an attacker would (ptrace, reading other processes' memory, mounts,
// namespaces, kernel modules, bpf, keyrings) fail with EPERM.
#pragma once

namespace sockgrade::cell {

// Between fork and exec, after no_new_privs: installs the filter. Returns the failed step's
// name, or nullptr.
const char* install_seccomp_filter() noexcept;

}  // namespace sockgrade::cell
