#include "net/trace.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sockgrade::net {
namespace {

TEST(Trace, AddRecordsActorEventAndDetail) {
  Trace t;
  t.add("client#1", "connect", "from a to b");
  t.add("harness", "note");
  ASSERT_EQ(t.events().size(), 2u);
  EXPECT_EQ(t.events()[0].actor, "client#1");
  EXPECT_EQ(t.events()[0].event, "connect");
  EXPECT_EQ(t.events()[0].detail, "from a to b");
  EXPECT_GE(t.events()[0].t_ms, 0.0);
  EXPECT_LE(t.events()[0].t_ms, t.events()[1].t_ms);
}

TEST(Trace, CoalescesConsecutiveDataOfTheSameActorAndKind) {
  Trace t;
  for (int i = 0; i < 100; ++i) t.data("client#1", "send", "ab");
  ASSERT_EQ(t.events().size(), 1u);
  EXPECT_EQ(t.events()[0].event, "send");
  EXPECT_EQ(t.events()[0].bytes, 200u);
  EXPECT_EQ(t.events()[0].calls, 100u);
  EXPECT_EQ(t.events()[0].preview.size(), 48u);  // the preview stops growing
  EXPECT_EQ(t.events()[0].preview.substr(0, 6), "ababab");
}

TEST(Trace, StartsANewEventWhenActorOrKindChanges) {
  Trace t;
  t.data("client#1", "send", "hello");
  t.data("client#1", "recv", "hel");
  t.data("client#1", "recv", "lo");
  t.data("client#2", "recv", "x");
  t.data("client#1", "recv", "y");
  ASSERT_EQ(t.events().size(), 4u);
  EXPECT_EQ(t.events()[1].bytes, 5u);
  EXPECT_EQ(t.events()[1].calls, 2u);
  EXPECT_EQ(t.events()[1].preview, "hello");
  EXPECT_EQ(t.events()[2].actor, "client#2");
  EXPECT_EQ(t.events()[3].calls, 1u);
}

TEST(Trace, ANonDataEventBreaksCoalescing) {
  Trace t;
  t.data("c", "send", "a");
  t.add("c", "half-close");
  t.data("c", "send", "b");
  EXPECT_EQ(t.events().size(), 3u);
}

TEST(TraceJson, DataEventsCarryBytesCallsAndEscapedPreview) {
  Trace t;
  t.data("client#1", "send", std::string("a\n\0", 3));
  t.data("client#1", "send", "\xff");
  t.add("client#1", "half-close", "sent FIN");
  auto j = t.to_json();
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["event"], "send");
  EXPECT_EQ(j[0]["bytes"], 4);
  EXPECT_EQ(j[0]["calls"], 2);
  EXPECT_EQ(j[0]["preview"], "a\\n\\x00\\xff");
  EXPECT_FALSE(j[0].contains("detail"));
  EXPECT_EQ(j[1]["event"], "half-close");
  EXPECT_EQ(j[1]["detail"], "sent FIN");
  EXPECT_FALSE(j[1].contains("bytes"));
  EXPECT_TRUE(j[1].contains("t_ms"));
  EXPECT_EQ(j[1]["actor"], "client#1");
}

TEST(TraceJson, SingleCallHasNoCallsField) {
  Trace t;
  t.data("c", "recv", "x");
  auto j = t.to_json();
  ASSERT_EQ(j.size(), 1u);
  EXPECT_FALSE(j[0].contains("calls"));
}

TEST(TraceJson, ElidesTheMiddleBeyondTheLimit) {
  Trace t;
  for (int i = 0; i < 200; ++i) t.add("harness", "note", "event " + std::to_string(i));
  auto all = t.to_json(200);
  EXPECT_EQ(all.size(), 200u);

  auto j = t.to_json(10);
  ASSERT_EQ(j.size(), 11u);  // 10 events and the marker
  std::size_t head = 6, tail = 4;
  for (std::size_t i = 0; i < head; ++i) EXPECT_EQ(j[i]["detail"], "event " + std::to_string(i));
  EXPECT_EQ(j[head]["event"], "elided");
  EXPECT_EQ(j[head]["actor"], "harness");
  EXPECT_EQ(j[head]["detail"], "190 events not shown");
  for (std::size_t i = 0; i < tail; ++i) {
    EXPECT_EQ(j[head + 1 + i]["detail"], "event " + std::to_string(200 - tail + i));
  }
}

TEST(TraceJson, NoElisionAtExactlyTheLimit) {
  Trace t;
  for (int i = 0; i < 10; ++i) t.add("harness", "note");
  auto j = t.to_json(10);
  ASSERT_EQ(j.size(), 10u);
  for (const auto& e : j) EXPECT_NE(e["event"], "elided");
}

TEST(Trace, StopsStoringEventsOfARunawayLoop) {
  Trace t;
  for (int i = 0; i < 10000; ++i) t.add("harness", "note");
  EXPECT_LT(t.events().size(), 10000u);
  EXPECT_GE(t.events().size(), 1000u);
}

}  // namespace
}  // namespace sockgrade::net
