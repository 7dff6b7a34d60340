#include "net/peer.hpp"

#include <netinet/tcp.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "core/rng.hpp"
#include "core/wait.hpp"
#include "net/procfs.hpp"
#include "support/loopback_server.hpp"

namespace sockgrade::net {
namespace {

using ::testing::HasSubstr;
using testing::LoopbackServer;
using Mode = LoopbackServer::Mode;
using namespace std::chrono_literals;

// Generous bounds for steps that complete as soon as the kernel moves the bytes.
Deadline patience() { return Deadline::after(30s); }

Peer connect_or_die(const Endpoint& to, Trace& trace) {
  auto p = Peer::connect(to, "client#1", trace, patience());
  if (!p.ok()) throw std::runtime_error(p.error().message);
  return std::move(p).value();
}

// A LoopbackServer in `mode` and a peer connected to it, with the peer's trace.
struct Connected {
  explicit Connected(Mode mode) : server(mode), peer(connect_or_die(server.endpoint(), trace)) {}
  LoopbackServer server;
  Trace trace;
  Peer peer;
};

std::vector<TraceEvent> events_of_kind(const Trace& t, const std::string& kind) {
  std::vector<TraceEvent> out;
  for (const auto& e : t.events()) {
    if (e.event == kind) out.push_back(e);
  }
  return out;
}

uint64_t total_bytes(const Trace& t, const std::string& kind) {
  uint64_t n = 0;
  for (const auto& e : events_of_kind(t, kind)) n += e.bytes;
  return n;
}

TEST(PeerConnect, ConnectsAndTracesTheConnection) {
  LoopbackServer server(Mode::echo);
  Trace trace;
  auto peer = Peer::connect(server.endpoint(), "client#1", trace, patience());
  ASSERT_TRUE(peer.ok()) << peer.error().message;
  EXPECT_TRUE(peer->open());
  EXPECT_EQ(peer->name(), "client#1");
  EXPECT_EQ(peer->local().address, "127.0.0.1");
  EXPECT_NE(peer->local().port, 0);
  ASSERT_FALSE(trace.events().empty());
  const auto events = trace.events();
  const auto& e = events.front();
  EXPECT_EQ(e.actor, "client#1");
  EXPECT_EQ(e.event, "connect");
  EXPECT_THAT(e.detail, HasSubstr("to " + server.endpoint().to_string()));
  EXPECT_THAT(e.detail, HasSubstr("from " + peer->local().to_string()));
}

TEST(PeerConnect, ConnectsOverIpv6Loopback) {
  if (!testing::ipv6_loopback_available()) GTEST_SKIP() << "IPv6 loopback is not available here";
  LoopbackServer server(Mode::echo, AF_INET6);
  Trace trace;
  auto peer = Peer::connect(server.endpoint(), "client#1", trace, patience());
  ASSERT_TRUE(peer.ok()) << peer.error().message;
  EXPECT_EQ(peer->local().family, AF_INET6);
  EXPECT_EQ(peer->send("v6", patience()).bytes, 2u);
  EXPECT_EQ(peer->receive(2, patience()).bytes, "v6");
}

TEST(PeerConnect, RefusedPortIsAnErrorThatSaysSo) {
  // A port bound but not listening refuses connections, and nobody else can take it meanwhile.
  uint16_t port = 0;
  Fd holder = testing::bound_loopback_socket(AF_INET, &port);
  ASSERT_TRUE(holder.valid());
  Trace trace;
  Endpoint to{AF_INET, "127.0.0.1", port};
  auto peer = Peer::connect(to, "client#1", trace, patience());
  ASSERT_FALSE(peer.ok());
  EXPECT_THAT(peer.error().message, HasSubstr("Connection refused"));
  EXPECT_THAT(peer.error().message, HasSubstr(to.to_string()));
  EXPECT_EQ(peer.error().code, ECONNREFUSED);
  ASSERT_EQ(trace.events().size(), 1u);
  EXPECT_EQ(trace.events()[0].event, "connect-failed");
  EXPECT_THAT(trace.events()[0].detail, HasSubstr("Connection refused"));
}

TEST(PeerConnect, MalformedAddressIsAnError) {
  Trace trace;
  auto peer = Peer::connect(Endpoint{AF_INET, "not-an-address", 1}, "client#1", trace, patience());
  ASSERT_FALSE(peer.ok());
  EXPECT_THAT(peer.error().message, HasSubstr("not-an-address"));
}

TEST(PeerIo, SendsAndReceivesExactBytes) {
  Connected c(Mode::echo);
  std::string msg("hello\0world\xff\n", 13);
  auto sent = c.peer.send(msg, patience());
  EXPECT_EQ(sent.end, End::complete);
  EXPECT_EQ(sent.bytes, msg.size());
  auto got = c.peer.receive(msg.size(), patience());
  EXPECT_EQ(got.end, End::complete);
  EXPECT_EQ(got.bytes, msg);
  EXPECT_EQ(got.describe(), "received 13 B");
}

TEST(PeerIo, ReceiveStopsAtTheRequestedCount) {
  Connected c(Mode::echo);
  ASSERT_EQ(c.peer.send("abcdef", patience()).end, End::complete);
  ASSERT_TRUE(wait_until(patience(), [&] { return c.peer.unread() == 6; }));  // all echoed
  EXPECT_EQ(c.peer.receive(4, patience()).bytes, "abcd");
  EXPECT_EQ(c.peer.unread(), 2);
  EXPECT_EQ(c.peer.receive(2, patience()).bytes, "ef");
  EXPECT_EQ(c.peer.unread(), 0);
}

TEST(PeerIo, ExchangesFourMiBCompletely) {
  Connected c(Mode::echo);
  std::string data = Rng::derive(1, "peer-test").bytes(4u << 20);
  auto got = c.peer.exchange(data, data.size(), 10s, patience());
  EXPECT_EQ(got.end, End::complete);
  ASSERT_EQ(got.bytes.size(), data.size());
  EXPECT_TRUE(got.bytes == data) << "first difference at byte " << std::mismatch(got.bytes.begin(), got.bytes.end(), data.begin()).first - got.bytes.begin();
  // The trace accounts for every byte in both directions.
  EXPECT_EQ(total_bytes(c.trace, "send"), data.size());
  EXPECT_EQ(total_bytes(c.trace, "recv"), data.size());
  c.peer.half_close();
  EXPECT_EQ(c.peer.receive_until_eof(patience()).end, End::eof);
  c.server.stop();
  EXPECT_TRUE(c.server.received() == data);
}

TEST(PeerIo, HalfCloseThenReceiveUntilEof) {
  Connected c(Mode::echo);
  ASSERT_EQ(c.peer.send("last words", patience()).end, End::complete);
  EXPECT_TRUE(c.peer.half_close());
  auto got = c.peer.receive_until_eof(patience());
  EXPECT_EQ(got.end, End::eof);
  EXPECT_EQ(got.bytes, "last words");
  EXPECT_THAT(got.describe(), HasSubstr("EOF"));
  // In the trace: send, half-close, the echo, then EOF, in that order.
  std::vector<std::string> kinds;
  for (const auto& e : c.trace.events()) kinds.push_back(e.event);
  EXPECT_EQ(kinds, (std::vector<std::string>{"connect", "send", "half-close", "recv", "eof"}));
}

TEST(PeerIo, ReceiveTimesOutWhenNothingArrives) {
  Connected c(Mode::silent);
  ASSERT_EQ(c.peer.send("anyone?", patience()).end, End::complete);
  auto got = c.peer.receive(1, Deadline::after(50ms));
  EXPECT_EQ(got.end, End::timeout);
  EXPECT_TRUE(got.bytes.empty());
  EXPECT_EQ(c.trace.events().back().event, "timeout");
  // The connection stays open: the silent server holds it.
  EXPECT_EQ(c.peer.receive_until_eof(Deadline::after(20ms)).end, End::timeout);
  EXPECT_EQ(c.peer.tcp_state(), kTcpEstablished);
}

TEST(PeerIo, ServerClosingWithoutEchoIsEof) {
  Connected c(Mode::close_at_once);
  auto got = c.peer.receive_until_eof(patience());
  EXPECT_EQ(got.end, End::eof);
  EXPECT_TRUE(got.bytes.empty());
  auto more = c.peer.receive(10, patience());
  EXPECT_EQ(more.end, End::eof);
}

TEST(PeerIo, ResetByTheServerIsReset) {
  Connected c(Mode::reset_after_first_byte);
  ASSERT_EQ(c.peer.send("x", patience()).end, End::complete);
  auto got = c.peer.receive(1, patience());
  EXPECT_EQ(got.end, End::reset);
  EXPECT_EQ(got.err, ECONNRESET);
  EXPECT_TRUE(got.bytes.empty());
  EXPECT_THAT(got.describe(), HasSubstr("reset"));
  EXPECT_EQ(c.trace.events().back().event, "reset-received");
}

TEST(PeerIo, SendAfterResetReportsReset) {
  Connected c(Mode::reset_after_first_byte);
  ASSERT_EQ(c.peer.send("x", patience()).end, End::complete);
  // Wait for the RST to arrive (the socket leaves ESTABLISHED), then write into it.
  ASSERT_TRUE(wait_until(patience(), [&] { return c.peer.tcp_state() != kTcpEstablished; }));
  auto sent = c.peer.send("more", patience());
  EXPECT_EQ(sent.end, End::reset);
  EXPECT_TRUE(sent.err == ECONNRESET || sent.err == EPIPE) << sent.err;
}

TEST(PeerIo, ClosedPeerReportsErrors) {
  Connected c(Mode::echo);
  c.peer.close();
  EXPECT_FALSE(c.peer.open());
  EXPECT_EQ(c.trace.events().back().event, "close");
  EXPECT_EQ(c.peer.receive(1, patience()).end, End::error);
  EXPECT_EQ(c.peer.send("x", patience()).end, End::error);
  EXPECT_FALSE(c.peer.half_close());
  EXPECT_EQ(c.peer.tcp_state(), -1);
  EXPECT_EQ(c.peer.unread(), -1);
  EXPECT_EQ(c.peer.unacked(), -1);
}

TEST(PeerIo, ResetClosesTheSocketAndIsTraced) {
  Connected c(Mode::silent);
  c.peer.reset();
  EXPECT_FALSE(c.peer.open());
  EXPECT_EQ(c.trace.events().back().event, "reset");
}

TEST(PeerState, FollowsTheConnectionThroughHalfCloseAndEof) {
  Connected c(Mode::silent);
  EXPECT_EQ(c.peer.tcp_state(), kTcpEstablished);
  ASSERT_TRUE(c.peer.half_close());
  // The server's kernel acknowledges the FIN; the silent server keeps its side open.
  ASSERT_TRUE(wait_until(patience(), [&] { return c.peer.tcp_state() == kTcpFinWait2; }))
      << tcp_state_name(c.peer.tcp_state());
  ASSERT_TRUE(wait_until(patience(), [&] { return c.server.connections() == 1; }));  // accepted
  c.server.stop();  // the server closes its side: our socket gets the FIN
  EXPECT_EQ(c.peer.receive_until_eof(patience()).end, End::eof);
  int after = c.peer.tcp_state();
  EXPECT_TRUE(after == kTcpTimeWait || after == kTcpClose) << tcp_state_name(after);
  c.peer.close();
  EXPECT_EQ(c.peer.tcp_state(), -1);
}

TEST(PeerState, CloseWaitAfterTheServerCloses) {
  Connected c(Mode::close_at_once);
  ASSERT_TRUE(wait_until(patience(), [&] { return c.peer.tcp_state() == kTcpCloseWait; }))
      << tcp_state_name(c.peer.tcp_state());
}

TEST(PeerTrace, ManySendsBecomeOneEventWithCalls) {
  Connected c(Mode::echo);
  std::string data(100, 'q');
  auto sent = c.peer.send(data, patience(), 1);  // 100 send() calls of one byte
  ASSERT_EQ(sent.bytes, 100u);
  auto got = c.peer.receive(100, patience());
  ASSERT_EQ(got.bytes, data);

  auto sends = events_of_kind(c.trace, "send");
  ASSERT_EQ(sends.size(), 1u);
  EXPECT_EQ(sends[0].bytes, 100u);
  EXPECT_EQ(sends[0].calls, 100u);
  EXPECT_EQ(sends[0].actor, "client#1");
  auto recvs = events_of_kind(c.trace, "recv");
  ASSERT_EQ(recvs.size(), 1u);
  EXPECT_EQ(recvs[0].bytes, 100u);
  EXPECT_GE(recvs[0].calls, 1u);

  auto j = c.trace.to_json();
  ASSERT_EQ(j.size(), 3u);  // connect, send, recv
  EXPECT_EQ(j[0]["event"], "connect");
  EXPECT_EQ(j[1]["event"], "send");
  EXPECT_EQ(j[1]["bytes"], 100);
  EXPECT_EQ(j[1]["calls"], 100);
  EXPECT_EQ(j[1]["preview"], std::string(48, 'q'));
}

TEST(PeerDescribe, NamesHowTheSequenceEnded) {
  EXPECT_EQ(end_name(End::complete), "complete");
  EXPECT_EQ(end_name(End::eof), "eof");
  EXPECT_EQ(end_name(End::reset), "reset");
  EXPECT_EQ(end_name(End::timeout), "timeout");
  EXPECT_EQ(end_name(End::error), "error");
  Received r;
  r.end = End::timeout;
  r.bytes = "ab";
  EXPECT_THAT(r.describe(), HasSubstr("2 B"));
  Sent s;
  s.bytes = 2048;
  EXPECT_EQ(s.describe(), "sent 2.0 KiB");
}

}  // namespace
}  // namespace sockgrade::net
