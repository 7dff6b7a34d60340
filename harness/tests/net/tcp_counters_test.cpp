#include "net/tcp_counters.hpp"

#include <gtest/gtest.h>

namespace sockgrade::net {
namespace {

const char* kSnmp =
    "Ip: Forwarding DefaultTTL InReceives\n"
    "Ip: 1 64 5829\n"
    "Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets\n"
    "Tcp: 1 200 120000 -1 19 2 7 0\n"
    "Udp: InDatagrams NoPorts\n"
    "Udp: 12 3\n";

TEST(TcpCounters, ParsesPairedLines) {
  TcpCounters c;
  parse_snmp_table(kSnmp, c);
  EXPECT_EQ(c.get("Tcp.ActiveOpens"), 19);
  EXPECT_EQ(c.get("Tcp.AttemptFails"), 7);
  EXPECT_EQ(c.get("Tcp.MaxConn"), -1);
  EXPECT_EQ(c.get("Udp.NoPorts"), 3);
  EXPECT_FALSE(c.get("Tcp.Nothing"));
}

TEST(TcpCounters, SkipsLinesThatDoNotPairUp) {
  TcpCounters c;
  parse_snmp_table("TcpExt: ListenOverflows ListenDrops\nIpExt: 1 2\nTcpExt: A B\nTcpExt: 4 5 6\n", c);
  EXPECT_TRUE(c.values.empty());
  parse_snmp_table("TcpExt: ListenOverflows ListenDrops\nTcpExt: 37 40", c);
  EXPECT_EQ(c.get("TcpExt.ListenOverflows"), 37);
  EXPECT_EQ(c.get("TcpExt.ListenDrops"), 40);
}

TEST(TcpCounters, DifferenceSinceAnEarlierRead) {
  TcpCounters before, after;
  parse_snmp_table("Tcp: ActiveOpens AttemptFails\nTcp: 3 1\n", before);
  parse_snmp_table("Tcp: ActiveOpens AttemptFails\nTcp: 4 2\n", after);
  EXPECT_EQ(after.since(before, "Tcp.ActiveOpens"), 1);
  EXPECT_EQ(after.since(before, "Tcp.AttemptFails"), 1);
  EXPECT_EQ(after.since(before, "Tcp.Missing"), 0);
}

TEST(TcpCounters, ReadsThisNamespace) {
  auto c = read_tcp_counters();
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->get("Tcp.ActiveOpens"));
}

}  // namespace
}  // namespace sockgrade::net
