// The scripted UDP peers of the udp-echo labs, used by checks of several categories: a UDP
// client for the server lab (UdpPeer), and a UDP echo server that loses or duplicates answers
// on purpose for the client lab (UdpWorld). UDP on loopback loses nothing by itself.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "checks/catalogue.hpp"
#include "core/clock.hpp"
#include "core/fd.hpp"
#include "grading/client_under_test.hpp"
#include "grading/context.hpp"

namespace sockgrade::checks {

constexpr std::size_t kMaxDatagram = 65507;  // 65535 - 8 (UDP) - 20 (IPv4)

// A scripted UDP client: one socket bound to an ephemeral loopback port.
class UdpPeer {
 public:
  static Step<UdpPeer> open(Context& ctx, std::string name);
  const std::string& name() const { return name_; }

  // One datagram to the server under test.
  Step<void> send(std::string_view bytes);
  // The next datagram (its full length, even if longer than 64 KiB can hold), or nothing by the
  // deadline.
  std::optional<std::string> receive(Deadline deadline);

 private:
  Context* ctx_ = nullptr;
  std::string name_;
  Fd fd_;
};

// Sends `msg` from `peer` and expects exactly it back, as one datagram.
Step<void> udp_round_trip(Context& ctx, UdpPeer& peer, std::string_view msg, int base_ms = 2000);

// What the harness's UDP server does with each datagram.
struct UdpPlay {
  int drop_first = 0;      // the first N copies of each distinct datagram get no answer
  bool drop_all = false;   // nothing is ever answered
  int copies = 1;          // each answer is sent this many times
};

// The client lab's world: the student's client and the harness's UDP echo server, which
// listens on the requested and the default port.
class UdpWorld {
 public:
  UdpWorld(Context& ctx, UdpPlay play) : ctx_(ctx), play_(play) {}

  Step<void> listen();
  Step<ClientUnderTest*> start();
  ClientUnderTest& client() { return *client_; }
  uint16_t requested_port() const { return requested_port_; }
  uint16_t port_used() const { return port_used_; }
  int received() const { return received_; }
  int answered() const { return answered_; }

  // Moves bytes until `done()`, the client's exit (stdout at EOF), or the deadline.
  bool run(const std::function<bool()>& done, Deadline deadline);
  std::string progress() const;

 private:
  void on_datagram(int fd, uint16_t port);

  Context& ctx_;
  UdpPlay play_;
  uint16_t requested_port_ = 0;
  uint16_t port_used_ = 0;
  std::vector<std::pair<Fd, uint16_t>> socks_;
  ClientUnderTest* client_ = nullptr;
  std::map<std::string, int> copies_seen_;
  int received_ = 0;
  int answered_ = 0;
};

// Lines fed one at a time, each echo awaited on stdout (up to `wait_ms`) before the next.
Step<void> udp_lines(Context& ctx, UdpWorld& w, int count, int wait_ms, const std::string& scene);

// After the lines: stdin EOF, then the client exits 0 with nothing more printed.
Step<void> udp_clean_exit(Context& ctx, UdpWorld& w, const std::string& expected, const std::string& scene);

}  // namespace sockgrade::checks
