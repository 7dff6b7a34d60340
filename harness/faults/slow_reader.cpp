// slow-reader: the proxy reads this direction's source through a small receive buffer, a few
// bytes at a time with pauses, so the sender's socket buffer fills and its writes block (or
// come back short on a non-blocking socket). The data itself passes unchanged.
#include "faults/registry.hpp"

namespace sockgrade::faults {
namespace {

class SlowReader : public Fault {
 public:
  SlowReader(int rcvbuf, std::size_t bytes, Millis interval) : rcvbuf_(rcvbuf), bytes_(bytes), interval_(interval) {}
  void push(Piece piece, Emitter& out) override { out.emit(std::move(piece)); }
  void configure(LinkSettings& link) const override {
    link.receive_buffer = rcvbuf_;
    link.max_read = link.max_read ? std::min(link.max_read, bytes_) : bytes_;
    link.read_interval = std::max(link.read_interval, interval_);
  }

 private:
  int rcvbuf_;
  std::size_t bytes_;
  Millis interval_;
};

}  // namespace

FaultInfo slow_reader_fault() {
  return {"slow-reader",
          "reads the sender through a small buffer, `bytes` every interval_ms",
          Direction::from_program,
          {{"rcvbuf", 4096, 1024, 1 << 24, "receive buffer of the proxy's socket"},
           {"bytes", 16384, 1, 1 << 24, "bytes per read"},
           {"interval_ms", 1, 0, 10000, "pause between reads"}},
          [](FaultFactoryArgs a) {
            return std::make_unique<SlowReader>(static_cast<int>(a.params.at("rcvbuf")),
                                                static_cast<std::size_t>(a.params.at("bytes")),
                                                Millis(a.params.at("interval_ms")));
          }};
}

}  // namespace sockgrade::faults
