// What putting the fault proxy into a check costs: starting and stopping it, and one extra
// loopback hop on a round trip, against the same round trip direct (medians of N runs).
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/fd.hpp"
#include "faults/proxy.hpp"
#include "net/peer.hpp"

using namespace sockgrade;

namespace {

// A plain echo server on 127.0.0.1:0, one connection at a time, in a thread.
struct EchoServer {
  Fd listener;
  net::Endpoint endpoint;
  std::thread thread;
  EchoServer() {
    listener.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(listener.get(), 64);
    socklen_t len = sizeof a;
    ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&a), &len);
    endpoint = {AF_INET, "127.0.0.1", ntohs(a.sin_port)};
    thread = std::thread([fd = listener.get()] {
      for (;;) {
        int c = ::accept(fd, nullptr, nullptr);
        if (c < 0) return;
        char buf[4096];
        ssize_t n;
        while ((n = ::read(c, buf, sizeof buf)) > 0) [[maybe_unused]] auto w = ::write(c, buf, static_cast<size_t>(n));
        ::close(c);
      }
    });
  }
  ~EchoServer() {
    ::shutdown(listener.get(), SHUT_RDWR);
    thread.join();
  }
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double round_trip_ms(const net::Endpoint& to) {
  net::Trace trace;
  Stopwatch clock;
  auto peer = net::Peer::connect(to, "c", trace, Deadline::after(Millis(2000)));
  if (!peer) return -1;
  std::string msg(100, 'x');
  peer->send(msg, Deadline::after(Millis(2000)));
  auto got = peer->receive(msg.size(), Deadline::after(Millis(2000)));
  if (got.bytes != msg) return -1;
  return clock.elapsed_ms();
}

}  // namespace

int main(int argc, char** argv) {
  int runs = argc > 1 ? std::atoi(argv[1]) : 200;
  EchoServer server;
  std::vector<double> start_stop, direct, proxied, proxied_faulted;
  for (int i = 0; i < runs; ++i) {
    direct.push_back(round_trip_ms(server.endpoint));

    Stopwatch clock;
    faults::ProxyConfig plain;
    plain.target = server.endpoint;
    auto proxy = faults::Proxy::start(plain);
    double started = clock.elapsed_ms();
    proxied.push_back(round_trip_ms((*proxy)->endpoint()));
    Stopwatch stop_clock;
    proxy->reset();
    start_stop.push_back(started + stop_clock.elapsed_ms());

    faults::ProxyConfig faulted = plain;
    faulted.faults.push_back(faults::parse_fault("latency:ms=0").value());
    faulted.faults.push_back(faults::parse_fault("slice:bytes=4096,gap_ms=0").value());
    auto proxy2 = faults::Proxy::start(faulted);
    proxied_faulted.push_back(round_trip_ms((*proxy2)->endpoint()));
  }
  std::printf("median of %d runs:\n", runs);
  std::printf("  proxy start + stop                 %.3f ms\n", median(start_stop));
  std::printf("  round trip (connect + 100 B echo)  direct %.3f ms, through the proxy %.3f ms (+%.3f ms)\n",
              median(direct), median(proxied), median(proxied) - median(direct));
  std::printf("  through the proxy with two zero-cost faults %.3f ms (+%.3f ms)\n", median(proxied_faulted),
              median(proxied_faulted) - median(direct));
  return 0;
}
