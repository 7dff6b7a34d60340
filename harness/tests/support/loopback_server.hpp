// LoopbackServer: a scripted TCP server on 127.0.0.1:0 (or [::1]:0) in a thread of the test,
// serving connections one after another until stop(). Every wait is a poll() that also
// watches a stop pipe, so a failing test never hangs in the destructor.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "core/fd.hpp"
#include "net/endpoint.hpp"

namespace sockgrade::testing {

// A socket of `family` bound to the loopback address on an ephemeral port, not listening.
inline Fd bound_loopback_socket(int family, uint16_t* port_out = nullptr) {
  Fd fd(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return fd;
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_addr = in6addr_loopback;
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof *a;
  }
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) return Fd();
  sockaddr_storage got{};
  socklen_t gl = sizeof got;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&got), &gl);
  if (port_out) *port_out = net::from_sockaddr(got).port;
  return fd;
}

// True when [::1] can be bound here (IPv6 may be disabled in a container).
inline bool ipv6_loopback_available() { return bound_loopback_socket(AF_INET6).valid(); }

class LoopbackServer {
 public:
  enum class Mode {
    echo,                    // echo every byte until EOF, then close
    close_at_once,           // accept and close at once, without reading or writing
    reset_after_first_byte,  // read one byte, then close with SO_LINGER {1, 0}: an RST
    silent,                  // read and discard; never write, never close before stop()
  };

  explicit LoopbackServer(Mode mode, int family = AF_INET) : mode_(mode) {
    listener_ = bound_loopback_socket(family, &endpoint_.port);
    if (!listener_ || ::listen(listener_.get(), 16) != 0) {
      throw std::runtime_error(std::string("test server: cannot listen on loopback: ") + std::strerror(errno));
    }
    endpoint_.family = family;
    endpoint_.address = family == AF_INET6 ? "::1" : "127.0.0.1";
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) throw std::runtime_error("test server: pipe2 failed");
    stop_read_.reset(p[0]);
    stop_write_.reset(p[1]);
    thread_ = std::thread([this] { run(); });
  }
  ~LoopbackServer() { stop(); }
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  const net::Endpoint& endpoint() const { return endpoint_; }

  // Wakes the server wherever it waits, joins it and closes the listener (connections still
  // waiting to be accepted are reset); idempotent. A test that needs the server to close an
  // accepted connection waits for connections() first.
  void stop() {
    if (!thread_.joinable()) return;
    char c = 'x';
    [[maybe_unused]] auto n = ::write(stop_write_.get(), &c, 1);
    thread_.join();
    listener_.reset();
  }

  // Every byte the server read, over all connections.
  std::string received() const {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }
  // Connections accepted so far.
  int connections() const {
    std::lock_guard<std::mutex> lock(mu_);
    return connections_;
  }

 private:
  // Waits for `events` on `fd`; false when stop() was called.
  bool wait(int fd, short events) {
    for (;;) {
      pollfd p[2] = {{fd, events, 0}, {stop_read_.get(), POLLIN, 0}};
      int r = ::poll(p, 2, -1);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0 || (p[1].revents & POLLIN)) return false;
      if (p[0].revents) return true;
    }
  }

  void run() {
    while (wait(listener_.get(), POLLIN)) {
      Fd conn(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
      if (!conn) continue;
      {
        std::lock_guard<std::mutex> lock(mu_);
        ++connections_;
      }
      if (!serve(conn)) return;
    }
  }

  // One connection; false when stop() was called meanwhile.
  bool serve(Fd& conn) {
    if (mode_ == Mode::close_at_once) return true;
    char buf[65536];
    for (;;) {
      if (!wait(conn.get(), POLLIN)) return false;
      std::size_t want = mode_ == Mode::reset_after_first_byte ? 1 : sizeof buf;
      ssize_t n = ::read(conn.get(), buf, want);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n <= 0) break;
      {
        std::lock_guard<std::mutex> lock(mu_);
        received_.append(buf, static_cast<std::size_t>(n));
      }
      if (mode_ == Mode::reset_after_first_byte) {
        linger lg{1, 0};
        ::setsockopt(conn.get(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        return true;  // conn closes here: an RST
      }
      if (mode_ == Mode::echo && !write_all(conn.get(), buf, static_cast<std::size_t>(n))) return false;
    }
    if (mode_ == Mode::silent) {  // keep the connection open (CLOSE_WAIT) until stop()
      while (wait(stop_read_.get(), POLLIN)) {
      }
      return false;
    }
    return true;
  }

  bool write_all(int fd, const char* p, std::size_t n) {
    while (n > 0) {
      ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
      if (w > 0) {
        p += w;
        n -= static_cast<std::size_t>(w);
      } else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
        if (!wait(fd, POLLOUT)) return false;
      } else {
        return true;  // the client went away: nothing more to echo
      }
    }
    return true;
  }

  Mode mode_;
  net::Endpoint endpoint_;
  Fd listener_;
  Fd stop_read_, stop_write_;
  mutable std::mutex mu_;
  std::string received_;
  int connections_ = 0;
  std::thread thread_;
};

}  // namespace sockgrade::testing
