// Shared by reset, half-close and limit: forward the first `bytes` bytes, then end the stream
// with a control piece and drop whatever follows.
#pragma once

#include "faults/fault.hpp"

namespace sockgrade::faults {

class Cutoff : public Fault {
 public:
  Cutoff(Piece::Kind end, uint64_t bytes, Millis after) : end_(end), bytes_(bytes), after_(after) {}
  void begin(Clock::time_point connected) override {
    if (after_.count() > 0) deadline_ = connected + after_;
    else if (bytes_ == 0) deadline_ = connected;  // nothing may pass: the end comes first
  }
  void push(Piece piece, Emitter& out) override {
    if (!done_ && deadline_ && piece.at >= *deadline_) finish(*deadline_, out);
    if (!done_ && bytes_ == 0 && after_.count() == 0) finish(piece.at, out);  // nothing may pass
    if (done_) return;
    if (piece.kind == Piece::Kind::data && bytes_ > 0) {
      if (passed_ + piece.bytes.size() >= bytes_) {
        piece.bytes.resize(static_cast<std::size_t>(bytes_ - passed_));
        passed_ = bytes_;
        auto at = piece.at;
        if (!piece.bytes.empty()) order_.emit(std::move(piece), out);
        finish(at, out);
        return;
      }
      passed_ += piece.bytes.size();
    }
    order_.emit(std::move(piece), out);
  }
  std::optional<Clock::time_point> wake_at() const override {
    if (done_ || !deadline_) return std::nullopt;
    return deadline_;
  }
  void wake(Clock::time_point now, Emitter& out) override {
    if (!done_ && deadline_ && now >= *deadline_) finish(*deadline_, out);
  }

 private:
  void finish(Clock::time_point at, Emitter& out) {
    done_ = true;
    order_.emit(Piece{end_, {}, at}, out);
  }
  Piece::Kind end_;
  uint64_t bytes_;
  Millis after_;
  uint64_t passed_ = 0;
  bool done_ = false;
  std::optional<Clock::time_point> deadline_;
  InOrder order_;
};

// The factory of each of the three: a Cutoff ending with `end` after the parameter "bytes", and
// "after_ms" from the connect for a fault that has that parameter (reset).
inline FaultFactory cutoff_factory(Piece::Kind end) {
  return [end](FaultFactoryArgs a) {
    auto after = a.params.find("after_ms");
    return std::make_unique<Cutoff>(end, static_cast<uint64_t>(a.params.at("bytes")),
                                    Millis(after == a.params.end() ? 0 : after->second));
  };
}

}  // namespace sockgrade::faults
