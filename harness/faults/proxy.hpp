// The fault-injecting TCP proxy (BRIEF §5): listens on loopback, forwards every accepted
// connection to a target, and runs each direction through its chain of faults. It runs in a
// thread of the cell (between a scripted peer and the program) or in the foreground for
// `sockgrade proxy`.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/fd.hpp"
#include "core/result.hpp"
#include "faults/registry.hpp"
#include "net/endpoint.hpp"

namespace sockgrade::faults {

struct ProxyConfig {
  net::Endpoint listen{AF_INET, "127.0.0.1", 0};  // port 0: an ephemeral port
  net::Endpoint target;
  std::vector<FaultSpec> faults;  // applied in this order within each direction
  uint64_t seed = 1;
  // Connection-level events (accepted, connected, faults that end a stream, resets), called
  // from the proxy's thread.
  std::function<void(const std::string& event, const std::string& detail)> on_event;
  // Every write the proxy makes on a faulted direction (its segments), from the proxy's thread.
  std::function<void(Direction direction, std::string_view bytes)> on_write;
};

struct ProxyStats {
  uint64_t connections = 0;
  uint64_t bytes_to_program = 0;
  uint64_t bytes_from_program = 0;
  uint64_t writes_to_program = 0;  // send() calls towards the program (segments)
  uint64_t writes_from_program = 0;
};

class Proxy {
 public:
  // Binds, then serves in a thread of its own until stop() or destruction.
  static Result<std::unique_ptr<Proxy>> start(ProxyConfig config);
  // Binds, calls `on_listening`, then serves in the calling thread until `stop_fd` is readable.
  static Result<void> run(ProxyConfig config, int stop_fd, const std::function<void(const net::Endpoint&)>& on_listening);

  ~Proxy();
  const net::Endpoint& endpoint() const { return endpoint_; }
  ProxyStats stats() const;
  void stop();

  struct Counters {
    std::atomic<uint64_t> connections{0}, bytes[2]{}, writes[2]{};
  };

 private:
  Proxy() = default;
  net::Endpoint endpoint_;
  Fd stop_;
  std::thread thread_;
  std::shared_ptr<Counters> counters_;
};

// `sockgrade proxy` arguments for the same faults, for reproduce lines.
std::string proxy_command(const std::vector<FaultSpec>& faults, const net::Endpoint& target, uint64_t seed);

}  // namespace sockgrade::faults
