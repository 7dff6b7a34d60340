// The fault objects on their own: no sockets and no real time. Pieces go in with synthetic
// arrival times, the fault is woken by hand at the times it asks for, and what it emits is
// checked exactly (bytes, order, segment boundaries, release times).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "faults/fault.hpp"
#include "faults/registry.hpp"
#include "support/result_matchers.hpp"

namespace sockgrade::faults {
namespace {

using ::testing::HasSubstr;
using sockgrade::testing::FailsWith;
using Kind = Piece::Kind;

Clock::time_point at_ms(int64_t ms) { return Clock::time_point{} + Millis(ms); }
// Time since the epoch of the synthetic clock, in (possibly fractional) milliseconds.
double ms_of(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(t - Clock::time_point{}).count();
}
int64_t whole_ms(Clock::time_point t) {
  return std::chrono::duration_cast<Millis>(t - Clock::time_point{}).count();
}

Piece data(std::string bytes, int64_t ms) { return Piece{Kind::data, std::move(bytes), at_ms(ms)}; }
Piece control(Kind kind, int64_t ms) { return Piece{kind, {}, at_ms(ms)}; }

// Collects what a fault emits.
class Capture : public Emitter {
 public:
  void emit(Piece piece) override { pieces.push_back(std::move(piece)); }
  // Every data byte emitted, in order.
  std::string data() const {
    std::string out;
    for (const auto& p : pieces) {
      if (p.kind == Kind::data) out += p.bytes;
    }
    return out;
  }
  std::vector<Piece> data_pieces() const {
    std::vector<Piece> out;
    for (const auto& p : pieces) {
      if (p.kind == Kind::data) out.push_back(p);
    }
    return out;
  }
  std::vector<Piece> pieces;
};

FaultSpec spec_of(const std::string& text) {
  auto spec = parse_fault(text);
  if (!spec) throw std::runtime_error("parse_fault(" + text + "): " + spec.error().message);
  return *spec;
}

std::unique_ptr<Fault> make(const std::string& text, uint64_t seed = 1, std::size_t index = 1) {
  return make_fault(spec_of(text), seed, index);
}

// Wakes the fault at every time it asks for until it holds nothing (or asks for no time).
void drain(Fault& f, Emitter& out) {
  for (int guard = 0; guard < 100000; ++guard) {
    auto t = f.wake_at();
    if (!t) return;
    f.wake(*t, out);
  }
  FAIL() << "the fault kept asking to be woken";
}

// A chain of faults wired like the proxy's: each emits into the next, the last into `out`.
class Chain {
 public:
  Chain(std::vector<std::unique_ptr<Fault>> faults, Emitter& out)
      : faults_(std::move(faults)), out_(out) {}
  void push(Piece p) {
    Stage s(*this, 0);
    s.emit(std::move(p));
  }
  void drain() {
    for (int guard = 0; guard < 100000; ++guard) {
      bool woke = false;
      for (std::size_t k = 0; k < faults_.size(); ++k) {
        if (auto t = faults_[k]->wake_at()) {
          Stage s(*this, k + 1);
          faults_[k]->wake(*t, s);
          woke = true;
        }
      }
      if (!woke) return;
    }
    FAIL() << "the chain kept asking to be woken";
  }

 private:
  class Stage : public Emitter {
   public:
    Stage(Chain& c, std::size_t next) : c_(c), next_(next) {}
    void emit(Piece p) override {
      if (next_ == c_.faults_.size()) {
        c_.out_.emit(std::move(p));
        return;
      }
      Stage s(c_, next_ + 1);
      c_.faults_[next_]->push(std::move(p), s);
    }

   private:
    Chain& c_;
    std::size_t next_;
  };
  std::vector<std::unique_ptr<Fault>> faults_;
  Emitter& out_;
};

void expect_non_decreasing(const std::vector<Piece>& pieces) {
  for (std::size_t i = 1; i < pieces.size(); ++i) {
    EXPECT_GE(pieces[i].at, pieces[i - 1].at)
        << "piece " << i << " would leave before piece " << i - 1;
  }
}

std::string payload(std::size_t n, uint64_t seed = 7) { return Rng(seed).bytes(n); }

const char* kind_word(Kind kind) {
  switch (kind) {
    case Kind::data: return "data";
    case Kind::half_close: return "half-close";
    case Kind::reset: return "reset";
    case Kind::close: return "close";
  }
  return "?";
}

// What a fault emitted, one line a piece ("data abc @5", "half-close @5"; times in ms, to the
// nanosecond): a whole schedule is checked in one assertion, and a failure shows all of it.
using Schedule = std::vector<std::string>;
Schedule schedule(const std::vector<Piece>& pieces) {
  Schedule out;
  for (const auto& p : pieces) {
    std::string line = kind_word(p.kind);
    if (p.kind == Kind::data || !p.bytes.empty()) line += " " + p.bytes;
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(p.at - Clock::time_point{}).count();
    line += " @" + std::to_string(ns / 1000000);
    if (ns % 1000000 != 0) line += "." + std::to_string(1000000 + ns % 1000000).substr(1);
    out.push_back(line);
  }
  return out;
}

// `fault`, made and fed `pieces` in this order, none woken; what it emits goes to `out`.
std::unique_ptr<Fault> fed(const std::string& fault, const std::vector<Piece>& pieces, Capture& out) {
  auto f = make(fault);
  for (const auto& p : pieces) f->push(p, out);
  return f;
}

// What `fault` emits for `pieces` pushed in this order, none woken: a case in one line of data.
Schedule schedule_of(const std::string& fault, const std::vector<Piece>& pieces) {
  Capture out;
  fed(fault, pieces, out);
  return schedule(out.pieces);
}

// ---------------------------------------------------------------------------------------------
// parse_fault, fault_text, the registry

TEST(Registry, ListsEveryBuiltinFaultOnce) {
  std::vector<std::string> names;
  for (const auto& f : builtin_faults()) names.push_back(f.name);
  EXPECT_THAT(names,
              ::testing::UnorderedElementsAre("latency", "slice", "coalesce", "bandwidth", "stall",
                                              "reset", "half-close", "limit", "slow-reader"));
  for (const auto& n : names) {
    ASSERT_NE(find_fault(n), nullptr) << n;
    EXPECT_EQ(find_fault(n)->name, n);
    EXPECT_THAT(describe_faults(), HasSubstr("  " + n + " (")) << n;
  }
  EXPECT_EQ(find_fault("nonesuch"), nullptr);
}

TEST(Registry, DefaultDirectionsFollowWhereEachFaultBites) {
  EXPECT_EQ(spec_of("latency").direction, Direction::to_program);
  EXPECT_EQ(spec_of("slice").direction, Direction::to_program);
  EXPECT_EQ(spec_of("coalesce").direction, Direction::to_program);
  EXPECT_EQ(spec_of("stall").direction, Direction::to_program);
  EXPECT_EQ(spec_of("half-close").direction, Direction::to_program);
  EXPECT_EQ(spec_of("bandwidth").direction, Direction::from_program);
  EXPECT_EQ(spec_of("reset").direction, Direction::from_program);
  EXPECT_EQ(spec_of("limit").direction, Direction::from_program);
  EXPECT_EQ(spec_of("slow-reader").direction, Direction::from_program);
  EXPECT_EQ(direction_name(Direction::to_program), "to-program");
  EXPECT_EQ(direction_name(Direction::from_program), "from-program");
}

TEST(ParseFault, FillsEveryDefaultWhenGivenOnlyTheName) {
  for (const std::string text : {"latency", "latency:", "latency:  ", " latency "}) {
    auto spec = parse_fault(text);
    ASSERT_TRUE(spec.ok()) << text << ": " << spec.error().message;
    EXPECT_EQ(spec->name, "latency");
    EXPECT_EQ(spec->direction, Direction::to_program);
    EXPECT_EQ(spec->params, (Params{{"ms", 50}, {"jitter_ms", 0}})) << text;
  }
  for (const auto& info : builtin_faults()) {
    auto spec = parse_fault(info.name);
    ASSERT_TRUE(spec.ok()) << info.name;
    ASSERT_EQ(spec->params.size(), info.params.size()) << info.name;
    for (const auto& p : info.params)
      EXPECT_EQ(spec->params.at(p.name), p.default_value) << info.name << "." << p.name;
  }
}

TEST(ParseFault, ReadsParametersAndDirectionWithSpacesAround) {
  auto spec = parse_fault("latency: jitter_ms = 5 ,direction=from-program, ms=10");
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->params, (Params{{"ms", 10}, {"jitter_ms", 5}}));
  EXPECT_EQ(spec->direction, Direction::from_program);
  // Only the parameters given change; the others keep their defaults.
  auto slice = parse_fault("slice:gap_ms=2");
  ASSERT_TRUE(slice.ok());
  EXPECT_EQ(slice->params, (Params{{"bytes", 1}, {"gap_ms", 2}}));
  EXPECT_EQ(slice->direction, Direction::to_program);
}

TEST(ParseFault, AcceptsTheBoundsOfEachRange) {
  for (const char* text : {"slice:bytes=1", "slice:bytes=1048576", "latency:ms=0", "latency:ms=60000",
                           "bandwidth:bytes_per_s=1099511627776"}) {
    EXPECT_TRUE(parse_fault(text).ok()) << text;
  }
}

TEST(FaultText, IsCanonicalSortedWithTheDirectionLast) {
  EXPECT_EQ(fault_text(spec_of("slice:gap_ms=2,bytes=1")),
            "slice:bytes=1,gap_ms=2,direction=to-program");
  EXPECT_EQ(fault_text(spec_of("latency")), "latency:jitter_ms=0,ms=50,direction=to-program");
  EXPECT_EQ(fault_text(spec_of("reset:bytes=1000")),
            "reset:after_ms=0,bytes=1000,direction=from-program");
  EXPECT_EQ(fault_text(spec_of("half-close:bytes=3,direction=from-program")),
            "half-close:bytes=3,direction=from-program");
}

TEST(FaultText, RoundTripsEveryFaultThroughTextAndSpec) {
  std::vector<std::string> texts;
  for (const auto& info : builtin_faults()) {
    texts.push_back(info.name);
    // Every parameter at its maximum and the other direction: nothing is lost on the way.
    std::string t = info.name + ":";
    for (const auto& p : info.params) t += p.name + "=" + std::to_string(p.max) + ",";
    t += std::string("direction=") +
         (info.default_direction == Direction::to_program ? "from-program" : "to-program");
    texts.push_back(t);
  }
  for (const auto& text : texts) {
    SCOPED_TRACE(text);
    auto spec = parse_fault(text);
    ASSERT_TRUE(spec.ok()) << spec.error().message;
    auto again = parse_fault(fault_text(*spec));
    ASSERT_TRUE(again.ok()) << fault_text(*spec) << ": " << again.error().message;
    EXPECT_EQ(again->name, spec->name);
    EXPECT_EQ(again->direction, spec->direction);
    EXPECT_EQ(again->params, spec->params);
    EXPECT_EQ(fault_text(*again), fault_text(*spec));
  }
}

TEST(ParseFault, UnknownFaultSuggestsTheClosestAndListsThemAll) {
  auto r = parse_fault("latncy:ms=5");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("unknown fault 'latncy'"));
  EXPECT_THAT(r.error().message, HasSubstr("did you mean 'latency'?"));
  for (const auto& f : builtin_faults()) EXPECT_THAT(r.error().message, HasSubstr(f.name));

  EXPECT_THAT(parse_fault("half_close"), FailsWith(HasSubstr("did you mean 'half-close'?")));

  auto far = parse_fault("teleport");
  ASSERT_FALSE(far.ok());
  EXPECT_THAT(far.error().message, HasSubstr("unknown fault 'teleport'"));
  EXPECT_THAT(far.error().message, ::testing::Not(HasSubstr("did you mean")));
}

TEST(ParseFault, UnknownParameterSuggestsTheClosestAndListsWhatItTakes) {
  auto r = parse_fault("slice:byte=1");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("fault slice has no parameter 'byte'"));
  EXPECT_THAT(r.error().message, HasSubstr("did you mean 'bytes'?"));
  EXPECT_THAT(r.error().message, HasSubstr("it takes: bytes, gap_ms, direction"));

  EXPECT_THAT(parse_fault("slice:directon=to-program"), FailsWith(HasSubstr("did you mean 'direction'?")));
  // A parameter of another fault is not one of this fault's.
  EXPECT_FALSE(parse_fault("latency:bytes=3").ok());
}

TEST(ParseFault, RejectsValuesThatAreNotIntegers) {
  for (const std::string value : {"abc", "1.5", "", "12ms", "0x10", "+5", "1e3"}) {
    auto r = parse_fault("slice:bytes=" + value);
    ASSERT_FALSE(r.ok()) << "bytes=" << value;
    EXPECT_THAT(r.error().message, HasSubstr("bytes must be an integer, got '" + value + "'"));
  }
  EXPECT_THAT(parse_fault("latency:ms"), FailsWith(HasSubstr("expected key=value, got 'ms'")));
}

TEST(ParseFault, RejectsValuesOutOfRangeNamingTheRange) {
  EXPECT_THAT(parse_fault("slice:bytes=0"), FailsWith(HasSubstr("bytes=0 is out of range [1, 1048576]")));
  EXPECT_THAT(parse_fault("latency:ms=-1"), FailsWith(HasSubstr("ms=-1 is out of range [0, 60000]")));
  EXPECT_THAT(parse_fault("latency:jitter_ms=60001"), FailsWith(HasSubstr("out of range")));
  EXPECT_FALSE(parse_fault("slow-reader:rcvbuf=1023").ok());
  // Too large for any integer type is still an error, not a wrap-around.
  EXPECT_FALSE(parse_fault("stall:after_bytes=99999999999999999999999").ok());
}

TEST(ParseFault, RejectsABadDirection) {
  for (const std::string dir : {"sideways", "to_program", "", "TO-PROGRAM"}) {
    auto r = parse_fault("latency:direction=" + dir);
    ASSERT_FALSE(r.ok()) << dir;
    EXPECT_THAT(r.error().message,
                HasSubstr("direction must be to-program or from-program, got '" + dir + "'"));
  }
}

// ---------------------------------------------------------------------------------------------
// latency

TEST(Latency, DelaysEveryPieceByMsControlsIncluded) {
  Capture out;
  auto f = fed("latency:ms=50", {data("ab", 0), data("cd", 10), control(Kind::half_close, 25)}, out);
  ASSERT_EQ(schedule(out.pieces), (Schedule{"data ab @50", "data cd @60", "half-close @75"}));
  // Latency releases on its own schedule through `at`: it holds nothing and needs no wake.
  EXPECT_EQ(f->wake_at(), std::nullopt);
  EXPECT_EQ(f->held_bytes(), 0u);
}

TEST(Latency, JitterStaysWithinZeroToJitterMsAndCoversTheRange) {
  auto f = make("latency:ms=10,jitter_ms=5");
  Capture out;
  std::string in;
  // Arrivals far apart (more than the jitter), so no piece is held back by the one before.
  for (int i = 0; i < 300; ++i) {
    std::string b(1, static_cast<char>('a' + i % 26));
    in += b;
    f->push(data(b, 100 * i), out);
  }
  ASSERT_EQ(out.pieces.size(), 300u);
  EXPECT_EQ(out.data(), in);
  std::set<int64_t> seen;
  for (int i = 0; i < 300; ++i) {
    int64_t extra = whole_ms(out.pieces[i].at) - 100 * i - 10;
    EXPECT_GE(extra, 0) << "piece " << i;
    EXPECT_LE(extra, 5) << "piece " << i;
    EXPECT_EQ(out.pieces[i].at, at_ms(100 * i + 10 + extra)) << "jitter is whole milliseconds";
    seen.insert(extra);
  }
  EXPECT_EQ(seen, (std::set<int64_t>{0, 1, 2, 3, 4, 5}))
      << "jitter should take every value in [0, jitter_ms]";
}

TEST(Latency, NeverReordersEvenWithJitterFarLargerThanTheSpacing) {
  auto f = make("latency:ms=0,jitter_ms=1000");
  Capture out;
  std::string in = payload(500);
  for (int i = 0; i < 500; ++i) f->push(data(in.substr(i, 1), i), out);
  ASSERT_EQ(out.pieces.size(), 500u);
  EXPECT_EQ(out.data(), in);
  expect_non_decreasing(out.pieces);
  int held_back = 0;
  for (int i = 0; i < 500; ++i) {
    EXPECT_GE(out.pieces[i].at, at_ms(i));
    EXPECT_LE(out.pieces[i].at, at_ms(i + 1000)) << "no piece waits longer than ms + jitter_ms";
    if (i > 0 && out.pieces[i].at == out.pieces[i - 1].at) ++held_back;
  }
  // Proof that the jitter alone would have reordered: pieces were held back to keep the order.
  EXPECT_GT(held_back, 10);
}

std::vector<int64_t> jitter_sequence(uint64_t seed, std::size_t index) {
  auto f = make("latency:ms=0,jitter_ms=1000", seed, index);
  Capture out;
  for (int i = 0; i < 64; ++i) f->push(data("x", 10000 * i), out);
  std::vector<int64_t> seq;
  for (int i = 0; i < 64; ++i) seq.push_back(whole_ms(out.pieces[i].at) - 10000 * i);
  return seq;
}

TEST(Latency, SameSeedGivesTheSameJitterAndAnotherSeedOrIndexAnother) {
  auto a = jitter_sequence(42, 1);
  EXPECT_EQ(a, jitter_sequence(42, 1));
  EXPECT_NE(a, jitter_sequence(43, 1));
  EXPECT_NE(a, jitter_sequence(42, 2))
      << "two latency faults in one chain should not share their jitter";
}

// ---------------------------------------------------------------------------------------------
// slice

// Checks that every emitted data piece lies within one segment [k*n, (k+1)*n) of the stream,
// and that every multiple of n inside the stream is a boundary between pieces.
void expect_segments_of(const std::vector<Piece>& pieces, std::size_t n, std::size_t total) {
  std::size_t offset = 0;
  std::set<std::size_t> boundaries;
  for (const auto& p : pieces) {
    ASSERT_FALSE(p.bytes.empty());
    EXPECT_LE(p.bytes.size(), n);
    EXPECT_EQ(offset / n, (offset + p.bytes.size() - 1) / n)
        << "piece [" << offset << ", " << offset + p.bytes.size() << ") crosses a multiple of "
        << n;
    boundaries.insert(offset);
    offset += p.bytes.size();
  }
  EXPECT_EQ(offset, total);
  for (std::size_t m = 0; m < total; m += n)
    EXPECT_TRUE(boundaries.count(m)) << "no boundary at " << m;
}

TEST(Slice, CutsAtMultiplesOfTheSegmentSize) {
  auto f = make("slice:bytes=4,gap_ms=0");
  Capture out;
  std::string in = payload(41);
  std::size_t off = 0;
  // Pushes that do not line up with the segments.
  for (std::size_t len : {3, 5, 1, 7, 2, 11, 4, 8}) {
    f->push(data(in.substr(off, len), 0), out);
    off += len;
  }
  ASSERT_EQ(off, in.size());
  EXPECT_EQ(out.data(), in);
  expect_segments_of(out.pieces, 4, in.size());
}

TEST(Slice, OneBigPushBecomesWholeSegmentsAndATail) {
  Capture out;
  fed("slice:bytes=3,gap_ms=0", {data("abcdefghij", 0)}, out);
  std::vector<std::string> got;
  for (const auto& p : out.pieces) got.push_back(p.bytes);
  EXPECT_EQ(got, (std::vector<std::string>{"abc", "def", "ghi", "j"}));
}

TEST(Slice, SpacesSegmentStartsByTheGap) {
  Capture out;
  fed("slice:bytes=1,gap_ms=2", {data("0123456789", 100)}, out);
  ASSERT_EQ(out.pieces.size(), 10u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(out.pieces[i].bytes, std::string(1, static_cast<char>('0' + i)));
    EXPECT_EQ(out.pieces[i].at, at_ms(100 + 2 * i)) << "segment " << i;
  }
}

TEST(Slice, TheRestOfASegmentIsNotDelayedOnlyTheNextSegment) {
  EXPECT_EQ(schedule_of("slice:bytes=4,gap_ms=10", {data("ab", 0), data("cdef", 1)}),
            (Schedule{"data ab @0",
                       "data cd @1",  // the rest of segment [0, 4)
                       "data ef @11"}));  // segment [4, 8): one gap after the previous write
}

TEST(Slice, DataArrivingAfterTheGapIsNotHeldBack) {
  EXPECT_EQ(schedule_of("slice:bytes=1,gap_ms=5", {data("a", 0), data("b", 100)}),
            (Schedule{"data a @0", "data b @100"}));
}

TEST(Slice, ControlPiecesFollowTheLastSegment) {
  Capture out;
  fed("slice:bytes=1,gap_ms=5", {data("abcd", 0), control(Kind::half_close, 1)}, out);
  // The FIN may not overtake the segments before it.
  ASSERT_EQ(schedule(out.pieces), (Schedule{"data a @0", "data b @5", "data c @10", "data d @15", "half-close @15"}));
  expect_non_decreasing(out.pieces);
}

// ---------------------------------------------------------------------------------------------
// coalesce

TEST(Coalesce, HoldsUntilTheWindowEndsThenEmitsOneMergedPiece) {
  Capture out;
  auto f = fed("coalesce:ms=20", {data("a", 0), data("bc", 5), data("d", 19)}, out);
  EXPECT_TRUE(out.pieces.empty());
  EXPECT_EQ(f->held_bytes(), 4u);
  ASSERT_EQ(f->wake_at(), at_ms(20));
  f->wake(at_ms(19), out);  // too early: nothing
  EXPECT_TRUE(out.pieces.empty());
  f->wake(at_ms(20), out);
  ASSERT_EQ(schedule(out.pieces), (Schedule{"data abcd @20"}));
  EXPECT_EQ(f->held_bytes(), 0u);
  EXPECT_EQ(f->wake_at(), std::nullopt);
}

TEST(Coalesce, TheNextWindowStartsAtTheNextHeldByte) {
  Capture out;
  auto f = fed("coalesce:ms=20", {data("a", 0)}, out);
  f->wake(at_ms(20), out);
  f->push(data("b", 30), out);
  EXPECT_EQ(f->wake_at(), at_ms(50));
  f->wake(at_ms(50), out);
  ASSERT_EQ(schedule(out.pieces), (Schedule{"data a @20", "data b @50"}));
}

TEST(Coalesce, FlushesEarlyOnceMaxBytesAreHeld) {
  Capture out;
  auto f = fed("coalesce:ms=20,max_bytes=4", {data("ab", 0)}, out);
  EXPECT_TRUE(out.pieces.empty());
  f->push(data("cd", 3), out);
  ASSERT_EQ(schedule(out.pieces), (Schedule{"data abcd @3"}));
  EXPECT_EQ(f->wake_at(), std::nullopt);
  f->push(data("e", 4), out);
  EXPECT_EQ(f->wake_at(), at_ms(24));
}

TEST(Coalesce, AControlPieceFlushesHeldDataFirst) {
  Capture out;
  auto f = fed("coalesce:ms=20", {data("ab", 0), data("c", 2), control(Kind::half_close, 5)}, out);
  ASSERT_EQ(schedule(out.pieces), (Schedule{"data abc @5", "half-close @5"}));
  EXPECT_EQ(f->wake_at(), std::nullopt);
  EXPECT_EQ(f->held_bytes(), 0u);
}

TEST(Coalesce, AControlPieceWithNothingHeldPassesAlone) {
  EXPECT_EQ(schedule_of("coalesce:ms=20", {control(Kind::reset, 7)}), (Schedule{"reset @7"}));
}

// ---------------------------------------------------------------------------------------------
// bandwidth

// When the last emitted byte has gone out at `rate` bytes per second.
double release_end_ms(const std::vector<Piece>& pieces, double rate) {
  const auto& last = pieces.back();
  return ms_of(last.at) + 1000.0 * static_cast<double>(last.bytes.size()) / rate;
}

TEST(Bandwidth, ReleasesNBytesInNOverRate) {
  auto f = make("bandwidth:bytes_per_s=1000");  // quanta of 10 bytes, 10 ms each
  Capture out;
  std::string in = payload(1000);
  f->push(data(in, 0), out);
  EXPECT_EQ(out.data(), in);
  ASSERT_EQ(out.pieces.size(), 100u);
  for (std::size_t i = 0; i < out.pieces.size(); ++i) {
    EXPECT_EQ(out.pieces[i].bytes.size(), 10u);
    EXPECT_EQ(out.pieces[i].at, at_ms(10 * static_cast<int64_t>(i))) << "quantum " << i;
  }
  EXPECT_DOUBLE_EQ(release_end_ms(out.pieces, 1000), 1000.0);
}

TEST(Bandwidth, TheTimeForNBytesMatchesTheRateAcrossManyPushes) {
  const double rate = 65536;
  auto f = make("bandwidth:bytes_per_s=65536");
  Capture out;
  std::string in = payload(1 << 20);
  Rng rng(3);
  std::size_t off = 0;
  while (off < in.size()) {
    std::size_t len = std::min<std::size_t>(in.size() - off, rng.between(1, 5000));
    f->push(data(in.substr(off, len), 0), out);
    off += len;
  }
  EXPECT_EQ(out.data(), in);
  expect_non_decreasing(out.pieces);
  for (const auto& p : out.pieces)
    EXPECT_LE(p.bytes.size(), 655u) << "quanta are a hundredth of a second";
  // 16 s for 1 MiB at 64 KiB/s; each quantum may lose under a nanosecond to rounding.
  double expected = 1000.0 * static_cast<double>(in.size()) / rate;
  double tolerance_ms = 1e-6 * static_cast<double>(out.pieces.size());
  EXPECT_NEAR(release_end_ms(out.pieces, rate), expected, tolerance_ms);
}

TEST(Bandwidth, QuantaAreCountedFromTheStartOfTheStream) {
  EXPECT_EQ(schedule_of("bandwidth:bytes_per_s=1000", {data("12345", 0), data("abcdefghijklmno", 0)}),
            (Schedule{"data 12345 @0",
                       "data abcde @5",  // the rest of the first quantum
                       "data fghijklmno @10"}));
}

TEST(Bandwidth, IdleTimeIsNotSavedUpForABurst) {
  Capture out;
  fed("bandwidth:bytes_per_s=1000", {data(std::string(10, 'a'), 0), data(std::string(20, 'b'), 500)}, out);
  ASSERT_EQ(out.pieces.size(), 3u);
  EXPECT_EQ(out.pieces[1].at, at_ms(500));
  EXPECT_EQ(out.pieces[2].at, at_ms(510));
}

TEST(Bandwidth, AControlPieceFollowsTheData) {
  Capture out;
  fed("bandwidth:bytes_per_s=1000", {data(std::string(30, 'a'), 0), control(Kind::half_close, 1)}, out);
  ASSERT_EQ(out.pieces.size(), 4u);
  EXPECT_EQ(out.pieces[3].kind, Kind::half_close);
  EXPECT_GE(out.pieces[3].at, out.pieces[2].at);
}

// ---------------------------------------------------------------------------------------------
// stall

TEST(Stall, PassesBytesUpToAfterBytesAndReleasesTheRestWhenTheStallEnds) {
  Capture out;
  auto f = fed("stall:after_bytes=5,ms=100", {data("abc", 0)}, out);
  f->push(data("defgh", 10), out);  // crosses the threshold at 10 ms: stalled until 110 ms
  f->push(data("ij", 20), out);
  f->push(control(Kind::half_close, 30), out);
  ASSERT_EQ(schedule(out.pieces), (Schedule{"data abc @0",
                                            "data de @10",
                                            "data fgh @110",
                                            "data ij @110",
                                            "half-close @110"}));
  // After the stall, data flows at its own pace again.
  f->push(data("k", 200), out);
  EXPECT_EQ(out.pieces.back().at, at_ms(200));
  EXPECT_EQ(out.data(), "abcdefghijk");
}

TEST(Stall, ExactlyAfterBytesPassesAndTheNextByteStalls) {
  Capture out;
  auto f = fed("stall:after_bytes=4,ms=50", {data("abcd", 0)}, out);
  ASSERT_EQ(schedule(out.pieces), (Schedule{"data abcd @0"}));
  f->push(data("e", 1), out);
  ASSERT_EQ(schedule(out.pieces), (Schedule{"data abcd @0", "data e @51"}));
}

TEST(Stall, ZeroMsHoldsForeverAndCountsTheHeldBytes) {
  Capture out;
  auto f = fed("stall:after_bytes=2,ms=0", {data("abcd", 0), data("efg", 5), control(Kind::half_close, 6)}, out);
  ASSERT_EQ(out.pieces.size(), 1u);
  EXPECT_EQ(out.pieces[0].bytes, "ab");
  EXPECT_EQ(f->held_bytes(), 5u);
  EXPECT_EQ(f->wake_at(), std::nullopt);
  f->wake(at_ms(1000000), out);
  EXPECT_EQ(out.pieces.size(), 1u);
}

TEST(Stall, ByDefaultNothingPassesAtAll) {
  Capture out;
  auto f = fed("stall", {data("x", 0)}, out);  // after_bytes=0, ms=0
  EXPECT_TRUE(out.pieces.empty());
  EXPECT_EQ(f->held_bytes(), 1u);
}

// ---------------------------------------------------------------------------------------------
// reset, half-close, limit: forward exactly `bytes`, then one control piece, then nothing

struct CutoffCase {
  std::string text;
  Kind end;
};

TEST(Cutoff, ForwardsExactlyTheBytesThenOneControlPieceThenNothing) {
  for (const auto& c : {CutoffCase{"reset:bytes=10", Kind::reset},
                        CutoffCase{"half-close:bytes=10", Kind::half_close},
                        CutoffCase{"limit:bytes=10", Kind::close}}) {
    SCOPED_TRACE(c.text);
    auto f = make(c.text);
    Capture out;
    std::string in = payload(20);
    for (int i = 0; i < 5; ++i) f->push(data(in.substr(4 * i, 4), i), out);
    f->push(control(Kind::half_close, 6), out);
    f->push(data("more", 7), out);
    ASSERT_EQ(out.pieces.size(), 4u);
    EXPECT_EQ(out.data(), in.substr(0, 10));
    EXPECT_EQ(out.pieces[2].bytes, in.substr(8, 2)) << "the piece crossing the limit is cut";
    EXPECT_EQ(out.pieces[3].kind, c.end);
    EXPECT_EQ(out.pieces[3].at, at_ms(2)) << "the stream ends when its last byte passes";
    EXPECT_EQ(f->wake_at(), std::nullopt);
  }
}

TEST(Cutoff, APushEndingExactlyAtTheLimitEndsTheStreamAtOnce) {
  for (const auto& c : {CutoffCase{"reset:bytes=6", Kind::reset},
                        CutoffCase{"half-close:bytes=6", Kind::half_close},
                        CutoffCase{"limit:bytes=6", Kind::close}}) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(schedule_of(c.text, {data("abcdef", 3)}),
              (Schedule{"data abcdef @3", kind_word(c.end) + std::string(" @3")}));
  }
}

TEST(Cutoff, ControlPiecesBeforeTheLimitPass) {
  EXPECT_EQ(schedule_of("limit:bytes=10", {data("abc", 0), control(Kind::half_close, 1)}),
            (Schedule{"data abc @0", "half-close @1"}));
}

TEST(Reset, AfterMsResetsAtTheDeadlineCountedFromBegin) {
  auto f = make("reset:after_ms=100");
  Capture out;
  EXPECT_EQ(f->wake_at(), std::nullopt) << "no deadline before the connection is established";
  f->begin(at_ms(1000));
  ASSERT_EQ(f->wake_at(), at_ms(1100));
  f->push(data("hello", 1010), out);
  ASSERT_EQ(out.pieces.size(), 1u) << "with bytes=0 only time counts: data passes";
  f->wake(at_ms(1099), out);
  EXPECT_EQ(out.pieces.size(), 1u);
  f->wake(at_ms(1100), out);
  ASSERT_EQ(schedule(out.pieces), (Schedule{"data hello @1010", "reset @1100"}));
  EXPECT_EQ(f->wake_at(), std::nullopt);
  f->push(data("late", 1200), out);
  f->wake(at_ms(1300), out);
  EXPECT_EQ(out.pieces.size(), 2u);
}

TEST(Reset, BytesOrTimeWhicheverComesFirst) {
  {
    auto f = make("reset:bytes=3,after_ms=100");
    Capture out;
    f->begin(at_ms(0));
    f->push(data("abcdef", 10), out);
    ASSERT_EQ(schedule(out.pieces), (Schedule{"data abc @10", "reset @10"}));
    EXPECT_EQ(f->wake_at(), std::nullopt) << "the stream already ended";
  }
  {
    auto f = make("reset:bytes=300,after_ms=100");
    Capture out;
    f->begin(at_ms(0));
    f->push(data("abcdef", 10), out);
    f->wake(at_ms(100), out);
    ASSERT_EQ(schedule(out.pieces), (Schedule{"data abcdef @10", "reset @100"}));
  }
}

// half-close:bytes=0 is the default: a FIN before any byte. Disabled: the Cutoff treats
// bytes=0 as "do not count bytes", so the fault never fires (reported to the lead).
TEST(HalfClose, ZeroBytesSendsTheFinBeforeAnyData) {
  Capture out;
  fed("half-close", {data("abc", 0)}, out);
  ASSERT_EQ(out.pieces.size(), 1u);
  EXPECT_EQ(out.pieces[0].kind, Kind::half_close);
}

// ---------------------------------------------------------------------------------------------
// slow-reader

TEST(SlowReader, ConfiguresTheLinkWithItsParameters) {
  LinkSettings link;
  make("slow-reader")->configure(link);
  EXPECT_EQ(link.receive_buffer, 4096);
  EXPECT_EQ(link.max_read, 16384u);
  EXPECT_EQ(link.read_interval, Millis(1));

  LinkSettings custom;
  make("slow-reader:rcvbuf=2048,bytes=7,interval_ms=30")->configure(custom);
  EXPECT_EQ(custom.receive_buffer, 2048);
  EXPECT_EQ(custom.max_read, 7u);
  EXPECT_EQ(custom.read_interval, Millis(30));
}

TEST(SlowReader, OnlyTightensWhatIsAlreadySet) {
  LinkSettings link;
  link.max_read = 5;
  link.read_interval = Millis(100);
  make("slow-reader:bytes=7,interval_ms=30")->configure(link);
  EXPECT_EQ(link.max_read, 5u);
  EXPECT_EQ(link.read_interval, Millis(100));
  make("slow-reader:bytes=3,interval_ms=300")->configure(link);
  EXPECT_EQ(link.max_read, 3u);
  EXPECT_EQ(link.read_interval, Millis(300));
}

TEST(SlowReader, PassesTheDataUnchanged) {
  Capture out;
  fed("slow-reader", {data("abc", 4), control(Kind::half_close, 5)}, out);
  ASSERT_EQ(out.pieces.size(), 2u);
  EXPECT_EQ(out.pieces[0].bytes, "abc");
  EXPECT_EQ(out.pieces[0].at, at_ms(4));
  EXPECT_EQ(out.pieces[1].kind, Kind::half_close);
}

TEST(Configure, OnlySlowReaderChangesTheLink) {
  for (const auto& info : builtin_faults()) {
    if (info.name == "slow-reader") continue;
    LinkSettings link;
    make(info.name)->configure(link);
    EXPECT_EQ(link.receive_buffer, 0) << info.name;
    EXPECT_EQ(link.max_read, 0u) << info.name;
    EXPECT_EQ(link.read_interval, Millis(0)) << info.name;
  }
}

// ---------------------------------------------------------------------------------------------
// every fault that does not end the stream keeps it whole

TEST(EveryFault, ThatDoesNotEndTheStreamKeepsEveryByteInOrderAndNeverLeavesEarly) {
  const std::vector<std::string> texts = {
      "latency:ms=5,jitter_ms=50",   "slice:bytes=7,gap_ms=3",      "coalesce:ms=10,max_bytes=100",
      "bandwidth:bytes_per_s=10000", "stall:after_bytes=500,ms=40", "slow-reader"};
  for (const auto& text : texts) {
    SCOPED_TRACE(text);
    auto f = make(text);
    Capture out;
    std::string in = payload(3000, 11);
    Rng rng(5);
    std::size_t off = 0;
    int64_t t = 0;
    std::vector<Clock::time_point> arrival;  // of each byte of the stream
    while (off < in.size()) {
      std::size_t len = std::min<std::size_t>(in.size() - off, rng.between(1, 200));
      arrival.insert(arrival.end(), len, at_ms(t));
      f->push(data(in.substr(off, len), t), out);
      off += len;
      t += static_cast<int64_t>(rng.between(0, 4));
      // Wake the fault whenever it asks, as the proxy would, before the next arrival.
      while (auto w = f->wake_at()) {
        if (*w > at_ms(t)) break;
        f->wake(*w, out);
      }
    }
    f->push(control(Kind::half_close, t), out);
    drain(*f, out);
    EXPECT_EQ(out.data(), in) << "bytes lost, duplicated or reordered";
    ASSERT_FALSE(out.pieces.empty());
    EXPECT_EQ(out.pieces.back().kind, Kind::half_close);
    expect_non_decreasing(out.pieces);
    std::size_t pos = 0;
    for (const auto& p : out.data_pieces()) {
      pos += p.bytes.size();
      EXPECT_GE(p.at, arrival[pos - 1]) << "bytes up to " << pos << " leave before they arrived";
    }
    EXPECT_EQ(f->held_bytes(), 0u);
  }
}

// ---------------------------------------------------------------------------------------------
// composition, as the proxy chains faults

std::vector<std::unique_ptr<Fault>> faults_of(const std::vector<std::string>& texts,
                                              uint64_t seed) {
  std::vector<std::unique_ptr<Fault>> out;
  std::size_t index = 0;
  for (const auto& t : texts) out.push_back(make(t, seed, ++index));
  return out;
}

TEST(Composition, SliceThenLatencyDelaysEachSegmentAndKeepsTheOrder) {
  // The segments as slice alone emits them...
  Capture sliced;
  auto slice = make("slice:bytes=2,gap_ms=5");
  slice->push(data("abcdefghij", 0), sliced);
  // ...and then through latency with a jitter larger than the gap.
  Capture out;
  Chain chain(faults_of({"slice:bytes=2,gap_ms=5", "latency:ms=50,jitter_ms=20"}, 9), out);
  chain.push(data("abcdefghij", 0));
  chain.drain();
  ASSERT_EQ(out.pieces.size(), 5u);
  ASSERT_EQ(sliced.pieces.size(), 5u);
  EXPECT_EQ(out.data(), "abcdefghij");
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(out.pieces[i].bytes, sliced.pieces[i].bytes);
    EXPECT_GE(out.pieces[i].at, sliced.pieces[i].at + Millis(50)) << "segment " << i;
    EXPECT_LE(out.pieces[i].at, sliced.pieces[i].at + Millis(70)) << "segment " << i;
  }
  expect_non_decreasing(out.pieces);
}

TEST(Composition, LatencyThenSliceSlicesTheDelayedStream) {
  Capture out;
  Chain chain(faults_of({"latency:ms=50", "slice:bytes=3,gap_ms=1"}, 1), out);
  chain.push(data("abcdefgh", 0));
  chain.push(control(Kind::half_close, 1));
  chain.drain();
  ASSERT_EQ(schedule(out.pieces), (Schedule{"data abc @50", "data def @51", "data gh @52", "half-close @52"}));
}

TEST(Composition, CoalesceThenLimitCutsTheMergedPiece) {
  Capture out;
  Chain chain(faults_of({"coalesce:ms=10", "limit:bytes=5"}, 1), out);
  chain.push(data("abc", 0));
  chain.push(data("defg", 2));
  EXPECT_TRUE(out.pieces.empty());
  chain.drain();
  ASSERT_EQ(out.pieces.size(), 2u);
  EXPECT_EQ(out.pieces[0].bytes, "abcde");
  EXPECT_EQ(out.pieces[0].at, at_ms(10));
  EXPECT_EQ(out.pieces[1].kind, Kind::close);
}

std::vector<std::pair<std::string, int64_t>> run_chain(uint64_t seed) {
  Capture out;
  Chain chain(
      faults_of({"latency:ms=1,jitter_ms=30", "slice:bytes=5,gap_ms=1", "latency:ms=0,jitter_ms=9"},
                seed),
      out);
  std::string in = payload(200, 2);
  for (int i = 0; i < 20; ++i) chain.push(data(in.substr(10 * i, 10), 3 * i));
  chain.drain();
  std::vector<std::pair<std::string, int64_t>> got;
  for (const auto& p : out.pieces) {
    got.emplace_back(
        p.bytes,
        std::chrono::duration_cast<std::chrono::microseconds>(p.at - Clock::time_point{}).count());
  }
  return got;
}

TEST(Composition, TheSameSeedGivesTheSameScheduleAndAnotherSeedAnother) {
  auto a = run_chain(100);
  EXPECT_EQ(a, run_chain(100));
  EXPECT_NE(a, run_chain(101));
}

}  // namespace
}  // namespace sockgrade::faults
