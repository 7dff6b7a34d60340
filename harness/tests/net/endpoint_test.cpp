#include "net/endpoint.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

namespace sockgrade::net {
namespace {

using ::testing::HasSubstr;

TEST(Endpoint, PrintsV6WithBrackets) {
  EXPECT_EQ((Endpoint{AF_INET, "127.0.0.1", 54154}).to_string(), "127.0.0.1:54154");
  EXPECT_EQ((Endpoint{AF_INET6, "::1", 40001}).to_string(), "[::1]:40001");
}

TEST(Endpoint, ParsesHostAndPort) {
  auto v4 = parse_endpoint("127.0.0.1:80");
  ASSERT_TRUE(v4.ok()) << v4.error().message;
  EXPECT_EQ(*v4, (Endpoint{AF_INET, "127.0.0.1", 80}));
  auto v6 = parse_endpoint("[::1]:443");
  ASSERT_TRUE(v6.ok()) << v6.error().message;
  EXPECT_EQ(*v6, (Endpoint{AF_INET6, "::1", 443}));
  auto local = parse_endpoint("localhost:7");
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(local->address, "127.0.0.1");
}

TEST(Endpoint, RejectsMalformedText) {
  for (const char* bad : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:70000", "127.0.0.1:8x", "[::1]80", "[::1",
                          "300.1.1.1:80", "host.example:80"}) {
    EXPECT_FALSE(parse_endpoint(bad).ok()) << bad;
  }
}

TEST(Endpoint, SockaddrRoundTrip) {
  for (const auto& ep : {Endpoint{AF_INET, "127.0.0.1", 54154}, Endpoint{AF_INET6, "::1", 1}}) {
    sockaddr_storage ss;
    auto len = to_sockaddr(ep, ss);
    ASSERT_TRUE(len.ok());
    EXPECT_EQ(from_sockaddr(ss), ep);
  }
  sockaddr_storage ss;
  EXPECT_FALSE(to_sockaddr(Endpoint{AF_INET, "::1", 1}, ss).ok());
}

TEST(Endpoint, ReachableOverLoopback) {
  auto any4 = reachable_over_loopback({AF_INET, "0.0.0.0", 54154});
  ASSERT_TRUE(any4.ok());
  EXPECT_EQ(*any4, (Endpoint{AF_INET, "127.0.0.1", 54154}));
  auto any6 = reachable_over_loopback({AF_INET6, "::", 54154});
  ASSERT_TRUE(any6.ok());
  EXPECT_EQ(*any6, (Endpoint{AF_INET6, "::1", 54154}));
  auto mapped = reachable_over_loopback({AF_INET6, "::ffff:127.0.0.1", 9});
  ASSERT_TRUE(mapped.ok());
  EXPECT_EQ(*mapped, (Endpoint{AF_INET, "127.0.0.1", 9}));
  auto outside = reachable_over_loopback({AF_INET, "192.0.2.1", 9});
  ASSERT_FALSE(outside.ok());
  EXPECT_THAT(outside.error().message, HasSubstr("192.0.2.1:9"));
  EXPECT_THAT(outside.error().message, HasSubstr("loopback"));
}

TEST(Endpoint, UnixPathRoundTrip) {
  Endpoint ep;
  ep.family = AF_UNIX;
  ep.address = "/tmp/work/echo.sock";
  EXPECT_EQ(ep.to_string(), "unix:/tmp/work/echo.sock");
  EXPECT_TRUE(ep.is_loopback());
  sockaddr_storage ss;
  auto len = to_sockaddr(ep, ss);
  ASSERT_TRUE(len);
  EXPECT_EQ(from_sockaddr(ss), ep);
  ep.address = std::string(200, 'x');  // longer than sun_path
  EXPECT_FALSE(to_sockaddr(ep, ss));
}

}  // namespace
}  // namespace sockgrade::net
