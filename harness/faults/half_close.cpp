// half-close: after `bytes` bytes the proxy shuts this direction (the destination reads EOF)
// while the other direction stays open; later bytes of this direction are dropped.
#include "faults/cutoff.hpp"
#include "faults/registry.hpp"

namespace sockgrade::faults {

FaultInfo half_close_fault() {
  return {"half-close",
          "after `bytes` bytes, shuts this direction (FIN); the other stays open",
          Direction::to_program,
          {{"bytes", 0, 0, int64_t{1} << 40, "bytes forwarded before the FIN"}},
          cutoff_factory(Piece::Kind::half_close)};
}

}  // namespace sockgrade::faults
