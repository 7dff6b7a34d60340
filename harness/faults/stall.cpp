// stall: once after_bytes have passed, nothing more is forwarded for ms (0: never again). The
// bytes keep being read (up to the proxy's queue limit) and are released, in order, when the
// stall ends.
#include "faults/registry.hpp"

namespace sockgrade::faults {
namespace {

class Stall : public Fault {
 public:
  Stall(uint64_t after_bytes, Millis duration) : after_(after_bytes), duration_(duration) {}
  void push(Piece piece, Emitter& out) override {
    if (piece.kind == Piece::Kind::data && !stalling_ && passed_ + piece.bytes.size() > after_) {
      // Forward up to the threshold, then stall from the moment it is crossed.
      std::size_t before = static_cast<std::size_t>(after_ - passed_);
      if (before > 0) order_.emit(Piece{Piece::Kind::data, piece.bytes.substr(0, before), piece.at}, out);
      passed_ += before;
      piece.bytes.erase(0, before);
      stalling_ = true;
      until_ = piece.at + duration_;
    }
    if (piece.kind == Piece::Kind::data) passed_ += piece.bytes.size();
    if (stalling_) {
      if (duration_.count() == 0) {  // for good: held forever, closes included
        held_ += piece.bytes.size();
        return;
      }
      piece.at = std::max(piece.at, until_);
    }
    order_.emit(std::move(piece), out);
  }
  std::size_t held_bytes() const override { return held_; }

 private:
  uint64_t after_;
  Millis duration_;
  std::size_t held_ = 0;
  uint64_t passed_ = 0;
  bool stalling_ = false;
  Clock::time_point until_{};
  InOrder order_;
};

}  // namespace

FaultInfo stall_fault() {
  return {"stall",
          "after after_bytes, stops forwarding for ms (0: for good)",
          Direction::to_program,
          {{"after_bytes", 0, 0, int64_t{1} << 40, "bytes forwarded before the stall"},
           {"ms", 0, 0, 3600000, "length of the stall; 0 stalls for good"}},
          [](FaultFactoryArgs a) {
            return std::make_unique<Stall>(static_cast<uint64_t>(a.params.at("after_bytes")), Millis(a.params.at("ms")));
          }};
}

}  // namespace sockgrade::faults
