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
          [](FaultFactoryArgs a) {
            return std::make_unique<Cutoff>(Piece::Kind::half_close, static_cast<uint64_t>(a.params.at("bytes")), Millis(0));
          }};
}

}  // namespace sockgrade::faults
