// limit: after `bytes` bytes in this direction the proxy closes the whole connection (FIN on
// both sides).
#include "faults/cutoff.hpp"
#include "faults/registry.hpp"

namespace sockgrade::faults {

FaultInfo limit_fault() {
  return {"limit",
          "after `bytes` bytes, closes both sides of the connection",
          Direction::from_program,
          {{"bytes", 1024, 1, int64_t{1} << 40, "bytes forwarded before the close"}},
          cutoff_factory(Piece::Kind::close)};
}

}  // namespace sockgrade::faults
