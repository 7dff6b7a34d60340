#include "net/syn_watch.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>

#include <string>

namespace sockgrade::net {
namespace {

// An IPv4 header (20 bytes) and a TCP header from 127.0.0.1:40000 to 127.0.0.1:`port`.
std::string ipv4_tcp(uint16_t port, uint8_t flags) {
  std::string p(40, '\0');
  p[0] = 0x45;
  p[9] = IPPROTO_TCP;
  p[12] = 127, p[15] = 1;
  p[16] = 127, p[19] = 1;
  p[20] = static_cast<char>(40000 >> 8), p[21] = static_cast<char>(40000 & 0xff);
  p[22] = static_cast<char>(port >> 8), p[23] = static_cast<char>(port & 0xff);
  p[33] = static_cast<char>(flags);
  return p;
}

TEST(SynWatch, FindsTheDestinationOfASyn) {
  auto to = syn_destination(ipv4_tcp(9877, 0x02), AF_INET);
  ASSERT_TRUE(to);
  EXPECT_EQ(to->address, "127.0.0.1");
  EXPECT_EQ(to->port, 9877);
}

TEST(SynWatch, IgnoresSynAckAndOtherSegments) {
  EXPECT_FALSE(syn_destination(ipv4_tcp(9877, 0x12), AF_INET));
  EXPECT_FALSE(syn_destination(ipv4_tcp(9877, 0x10), AF_INET));
  EXPECT_FALSE(syn_destination(ipv4_tcp(9877, 0x02).substr(0, 30), AF_INET));
  EXPECT_FALSE(syn_destination(ipv4_tcp(9877, 0x02), 0));
}

TEST(SynWatch, FindsAnIpv6Syn) {
  std::string p(60, '\0');
  p[0] = 0x60;
  p[6] = IPPROTO_TCP;
  p[39] = 1;  // ::1
  p[42] = static_cast<char>(5555 >> 8), p[43] = static_cast<char>(5555 & 0xff);
  p[53] = 0x02;
  auto to = syn_destination(p, AF_INET6);
  ASSERT_TRUE(to);
  EXPECT_EQ(to->address, "::1");
  EXPECT_EQ(to->port, 5555);
}

}  // namespace
}  // namespace sockgrade::net
