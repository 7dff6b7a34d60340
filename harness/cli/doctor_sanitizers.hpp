// sockgrade doctor: whether each sanitizer of the memory checks works on this machine.
#pragma once

namespace sockgrade::cli {

// Compiles and runs a probe per sanitizer (address, undefined, leak, thread) and prints a row
// each: yes when the report names the probe's own line, else why not.
void print_sanitizer_rows();

}  // namespace sockgrade::cli
