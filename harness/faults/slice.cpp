// slice: data is cut into segments of `bytes` (counted from the start of the stream, so the
// same input gives the same segments on every run), each written gap_ms after the previous.
#include "faults/registry.hpp"

namespace sockgrade::faults {
namespace {

class Slice : public Fault {
 public:
  Slice(std::size_t bytes, Millis gap) : bytes_(bytes), gap_(gap) {}
  void push(Piece piece, Emitter& out) override {
    if (piece.kind != Piece::Kind::data) {
      order_.emit(std::move(piece), out);
      return;
    }
    for_each_segment(piece.bytes, offset_, bytes_, [&](std::string bytes) {
      Piece seg{Piece::Kind::data, std::move(bytes), piece.at};
      if (started_ && offset_ % bytes_ == 0) seg.at = std::max(seg.at, order_.last() + gap_);
      started_ = true;
      order_.emit(std::move(seg), out);
    });
  }

 private:
  std::size_t bytes_;
  Millis gap_;
  uint64_t offset_ = 0;
  bool started_ = false;
  InOrder order_;
};

}  // namespace

FaultInfo slice_fault() {
  return {"slice",
          "cuts the stream into segments of `bytes`, written gap_ms apart",
          Direction::to_program,
          {{"bytes", 1, 1, 1 << 20, "segment size"}, {"gap_ms", 1, 0, 10000, "pause between segments"}},
          [](FaultFactoryArgs a) {
            return std::make_unique<Slice>(static_cast<std::size_t>(a.params.at("bytes")), Millis(a.params.at("gap_ms")));
          }};
}

}  // namespace sockgrade::faults
