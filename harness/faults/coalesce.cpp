// coalesce: holds data for ms after the first held byte (or until max_bytes are held) and
// writes it out as one piece, so that many small writes arrive as one segment.
#include "faults/registry.hpp"

namespace sockgrade::faults {
namespace {

class Coalesce : public Fault {
 public:
  Coalesce(Millis window, std::size_t max_bytes) : window_(window), max_bytes_(max_bytes) {}
  void push(Piece piece, Emitter& out) override {
    if (piece.kind != Piece::Kind::data) {
      flush(piece.at, out);
      order_.emit(std::move(piece), out);
      return;
    }
    if (!held_.empty() && piece.at >= first_ + window_) flush(first_ + window_, out);  // its window is over
    if (held_.empty()) first_ = piece.at;
    held_ += piece.bytes;
    if (held_.size() >= max_bytes_) flush(piece.at, out);
  }
  std::optional<Clock::time_point> wake_at() const override {
    if (held_.empty()) return std::nullopt;
    return first_ + window_;
  }
  std::size_t held_bytes() const override { return held_.size(); }
  void wake(Clock::time_point now, Emitter& out) override {
    if (!held_.empty() && now >= first_ + window_) flush(first_ + window_, out);
  }

 private:
  void flush(Clock::time_point at, Emitter& out) {
    if (held_.empty()) return;
    order_.emit(Piece{Piece::Kind::data, std::move(held_), at}, out);
    held_.clear();
  }
  Millis window_;
  std::size_t max_bytes_;
  std::string held_;
  Clock::time_point first_{};
  InOrder order_;
};

}  // namespace

FaultInfo coalesce_fault() {
  return {"coalesce",
          "holds data for ms (or up to max_bytes) and writes it as one segment",
          Direction::to_program,
          {{"ms", 20, 1, 60000, "how long data is held"}, {"max_bytes", 65536, 1, 1 << 24, "flush earlier at this size"}},
          [](FaultFactoryArgs a) {
            return std::make_unique<Coalesce>(Millis(a.params.at("ms")), static_cast<std::size_t>(a.params.at("max_bytes")));
          }};
}

}  // namespace sockgrade::faults
