// Room for a multi-MiB payload or echo, reserved once.
#pragma once

#include <cstddef>
#include <string>

namespace sockgrade {

// Reserves `n` bytes in `s` (never shrinks it) and, from 2 MiB on, asks the kernel to back the
// buffer with transparent huge pages. Why: a 4 KiB page fault costs about 11 us on the VMs this
// grades on, so an 8 MiB echo grown by doubling costs 6000 faults (~70 ms of CPU in one check);
// reserved and huge-paged it costs a handful. Where THP is off the reserve alone still halves it.
void reserve_large(std::string& s, std::size_t n);

}  // namespace sockgrade
