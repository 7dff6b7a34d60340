// bandwidth: data leaves at no more than bytes_per_s, in quanta of a hundredth of a second
// (counted from the start of the stream, so the quanta are the same on every run).
#include "faults/registry.hpp"

namespace sockgrade::faults {
namespace {

class Bandwidth : public Fault {
 public:
  explicit Bandwidth(int64_t rate) : rate_(rate), quantum_(static_cast<std::size_t>(std::max<int64_t>(1, rate / 100))) {}
  void push(Piece piece, Emitter& out) override {
    if (piece.kind != Piece::Kind::data) {
      order_.emit(std::move(piece), out);
      return;
    }
    for_each_segment(piece.bytes, offset_, quantum_, [&](std::string seg) {
      auto start = std::max(piece.at, next_);
      next_ = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                          static_cast<double>(seg.size()) / static_cast<double>(rate_)));
      order_.emit(Piece{Piece::Kind::data, std::move(seg), start}, out);
    });
  }

 private:
  int64_t rate_;
  std::size_t quantum_;
  uint64_t offset_ = 0;
  Clock::time_point next_{};
  InOrder order_;
};

}  // namespace

FaultInfo bandwidth_fault() {
  return {"bandwidth",
          "limits the rate to bytes_per_s",
          Direction::from_program,
          {{"bytes_per_s", 65536, 1, int64_t{1} << 40, "rate limit"}},
          [](FaultFactoryArgs a) { return std::make_unique<Bandwidth>(a.params.at("bytes_per_s")); }};
}

}  // namespace sockgrade::faults
