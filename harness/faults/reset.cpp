// reset: after `bytes` bytes in this direction (or after_ms from the connection's start), the
// proxy resets both sides of the connection (RST).
#include "faults/cutoff.hpp"
#include "faults/registry.hpp"

namespace sockgrade::faults {

FaultInfo reset_fault() {
  return {"reset",
          "RST on both sides after `bytes` bytes (or after_ms from the connect)",
          Direction::from_program,
          {{"bytes", 0, 0, int64_t{1} << 40, "bytes forwarded first (0: count time only)"},
           {"after_ms", 0, 0, 3600000, "time from the connect (0: count bytes only)"}},
          cutoff_factory(Piece::Kind::reset)};
}

}  // namespace sockgrade::faults
