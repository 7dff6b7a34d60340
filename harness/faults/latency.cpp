// latency: every piece (data and closes alike) is delayed by ms plus a seeded jitter; pieces
// never overtake each other, so a jitter delays but never reorders.
#include "faults/registry.hpp"

namespace sockgrade::faults {
namespace {

class Latency : public Fault {
 public:
  Latency(Millis base, int64_t jitter_ms, Rng rng) : base_(base), jitter_ms_(jitter_ms), rng_(rng) {}
  void push(Piece piece, Emitter& out) override {
    auto jitter = Millis(jitter_ms_ > 0 ? static_cast<int64_t>(rng_.between(0, static_cast<uint64_t>(jitter_ms_))) : 0);
    piece.at += base_ + jitter;
    order_.emit(std::move(piece), out);
  }

 private:
  Millis base_;
  int64_t jitter_ms_;
  Rng rng_;
  InOrder order_;
};

}  // namespace

FaultInfo latency_fault() {
  return {"latency",
          "delays everything by ms plus a random 0..jitter_ms, never reordering",
          Direction::to_program,
          {{"ms", 50, 0, 60000, "fixed delay in milliseconds"}, {"jitter_ms", 0, 0, 60000, "extra random delay, up to"}},
          [](FaultFactoryArgs a) {
            return std::make_unique<Latency>(Millis(a.params.at("ms")), a.params.at("jitter_ms"), a.rng);
          }};
}

}  // namespace sockgrade::faults
