#include "net/peer.hpp"

#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "core/bytes.hpp"
#include "core/large_buffer.hpp"
#include "core/retry.hpp"
#include "net/local_ports.hpp"

namespace sockgrade::net {
namespace {

// A receive buffer is reserved up to this size at once; beyond it, it grows as bytes arrive.
constexpr std::size_t kMaxReserve = 64u << 20;
// A wait for bytes asks its QuietWitness only after this long without progress (a program that
// is still working moves bytes sooner), then looks again this often.
constexpr Millis kQuietAfter{100};
constexpr Millis kQuietPoll{50};

Deadline earlier(Deadline a, Deadline b) { return a.at() < b.at() ? a : b; }

bool is_reset_errno(int e) { return e == ECONNRESET || e == EPIPE || e == ECONNABORTED; }

int wait_fd(int fd, short events, Deadline deadline) {
  struct pollfd p{fd, events, 0};
  int r = retry_eintr([&] { return ::poll(&p, 1, deadline.poll_timeout_ms()); });
  if (r <= 0) return 0;
  return p.revents;
}

}  // namespace

std::string end_name(End end) {
  switch (end) {
    case End::complete: return "complete";
    case End::eof: return "eof";
    case End::reset: return "reset";
    case End::timeout: return "timeout";
    case End::error: return "error";
  }
  return "?";
}

void Received::continue_with(const Received& more) {
  bytes += more.bytes;
  end = more.end;
  err = more.err;
  stopped = more.stopped;
}

std::string Received::describe() const {
  switch (end) {
    case End::complete: return "received " + format_bytes(bytes.size());
    case End::eof: return "the connection was closed (EOF) after " + format_bytes(bytes.size());
    case End::reset: return std::string("the connection was reset (") + std::strerror(err) + ") after " +
                            format_bytes(bytes.size());
    case End::timeout:
      if (!stopped.empty()) return "nothing more will arrive (after " + format_bytes(bytes.size()) + "): " + stopped;
      return "nothing more arrived before the deadline (after " + format_bytes(bytes.size()) + ")";
    case End::error: return std::string("read failed: ") + std::strerror(err);
  }
  return "?";
}

std::string Sent::describe() const {
  switch (end) {
    case End::complete: return "sent " + format_bytes(bytes);
    case End::eof:
    case End::reset: return std::string("the connection was reset (") + std::strerror(err) + ") after " +
                            format_bytes(bytes) + " had been sent";
    case End::timeout: return "the program stopped reading: only " + format_bytes(bytes) + " could be sent before the deadline";
    case End::error: return std::string("send failed: ") + std::strerror(err);
  }
  return "?";
}

Peer::Peer(Fd fd, std::string name, Trace& trace, Endpoint local)
    : fd_(std::move(fd)), name_(std::move(name)), trace_(&trace), local_(std::move(local)) {}

Peer::~Peer() { close(); }

Result<Peer> Peer::connect(const Endpoint& to, std::string name, Trace& trace, Deadline deadline) {
  return connect(to, std::move(name), trace, deadline, Options{});
}

Result<Peer> Peer::connect(const Endpoint& to, std::string name, Trace& trace, Deadline deadline,
                           Options options) {
  sockaddr_storage sa;
  SG_TRY(socklen_t len, to_sockaddr(to, sa));
  SG_TRY(Fd fd, client_socket(to.family));
  int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (options.rcvbuf > 0) {
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &options.rcvbuf, sizeof options.rcvbuf);
  }
  int r = ::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), len);
  if (r != 0 && errno != EINPROGRESS) {
    auto e = errno_error("connect to " + to.to_string());
    trace.add(name, "connect-failed", e.message);
    return unexpected(e);
  }
  if (r != 0) {
    int ev = wait_fd(fd.get(), POLLOUT, deadline);
    if (ev == 0) {
      trace.add(name, "connect-failed", "no answer to the connection request before the deadline");
      return error_result("connect to " + to.to_string() + ": no answer before the deadline");
    }
    int err = 0;
    socklen_t el = sizeof err;
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &el);
    if (err != 0) {
      auto e = errno_error("connect to " + to.to_string(), err);
      trace.add(name, "connect-failed", e.message);
      return unexpected(e);
    }
  }
  sockaddr_storage local{};
  socklen_t ll = sizeof local;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&local), &ll);
  Endpoint me = from_sockaddr(local);
  trace.add(name, "connect", "from " + me.to_string() + " to " + to.to_string());
  return Peer(std::move(fd), std::move(name), trace, me);
}

Sent Peer::send(std::string_view data, Deadline deadline, std::size_t chunk) {
  Sent s;
  if (!fd_) {
    s.end = End::error;
    s.err = EBADF;
    return s;
  }
  while (s.bytes < data.size()) {
    std::size_t want = data.size() - s.bytes;
    if (chunk > 0) want = std::min(want, chunk);
    ssize_t w = retry_eintr([&] { return ::send(fd_.get(), data.data() + s.bytes, want, MSG_NOSIGNAL); });
    if (w > 0) {
      trace_->data(name_, "send", data.substr(s.bytes, static_cast<std::size_t>(w)));
      s.bytes += static_cast<uint64_t>(w);
      continue;
    }
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (wait_fd(fd_.get(), POLLOUT, deadline) == 0) {
        s.end = End::timeout;
        trace_->add(name_, "send-blocked", "the program stopped reading; " + format_bytes(s.bytes) + " sent");
        return s;
      }
      continue;
    }
    s.err = errno;
    s.end = is_reset_errno(errno) ? End::reset : End::error;
    trace_->add(name_, "send-failed", std::strerror(errno));
    return s;
  }
  return s;
}

Sent Peer::send_nonblocking(std::string_view data) {
  Sent s;
  if (!fd_) {
    s.end = End::error;
    s.err = EBADF;
    return s;
  }
  ssize_t w = retry_eintr([&] { return ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL); });
  if (w > 0) {
    trace_->data(name_, "send", data.substr(0, static_cast<std::size_t>(w)));
    s.bytes = static_cast<uint64_t>(w);
  } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    s.end = End::timeout;
  } else if (w < 0) {
    s.err = errno;
    s.end = is_reset_errno(errno) ? End::reset : End::error;
    trace_->add(name_, "send-failed", std::strerror(errno));
  }
  return s;
}

bool Peer::read_some(Received& out, std::size_t max) {
  char buf[65536];
  std::size_t want = std::min(max, sizeof buf);
  ssize_t n = retry_eintr([&] { return ::recv(fd_.get(), buf, want, 0); });
  if (n > 0) {
    out.bytes.append(buf, static_cast<std::size_t>(n));
    trace_->data(name_, "recv", std::string_view(buf, static_cast<std::size_t>(n)));
    return true;
  }
  if (n == 0) {
    out.end = End::eof;
    trace_->add(name_, "eof", "the other side closed its direction of the connection");
    return false;
  }
  if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
  out.err = errno;
  out.end = is_reset_errno(errno) ? End::reset : End::error;
  trace_->add(name_, out.end == End::reset ? "reset-received" : "recv-failed", std::strerror(errno));
  return false;
}

bool Peer::read_up_to(Received& r, std::size_t limit, Deadline deadline) {
  if (!fd_) {
    r.end = End::error;
    r.err = EBADF;
    return false;
  }
  Clock::time_point last_progress;
  moved(last_progress);  // the wait starts from here
  while (r.bytes.size() < limit) {
    if (wait_fd(fd_.get(), POLLIN, poll_until(deadline, true)) == 0) {
      if (!deadline.expired()) {
        if (other_side_stopped(r, last_progress)) return false;
        continue;
      }
      r.end = End::timeout;
      return true;
    }
    std::size_t before = r.bytes.size();
    if (!read_some(r, limit - r.bytes.size())) return false;
    if (r.bytes.size() > before) moved(last_progress);
  }
  r.end = End::complete;
  return false;
}

Received Peer::receive(std::size_t n, Deadline deadline) {
  Received r;
  if (fd_) reserve_large(r.bytes, std::min(n, kMaxReserve));
  if (read_up_to(r, n, deadline)) {
    trace_->add(name_, "timeout", "waited for " + format_bytes(n) + ", got " + format_bytes(r.bytes.size()));
  }
  return r;
}

Received Peer::receive_until_eof(Deadline deadline, std::size_t max) {
  Received r;
  if (read_up_to(r, max, deadline)) {
    trace_->add(name_, "timeout", "waited for the connection to close; it stayed open");
  }
  return r;
}

Received Peer::exchange(std::string_view data, std::size_t expect, Millis stall, Deadline deadline) {
  Received r;
  if (!fd_) {
    r.end = End::error;
    r.err = EBADF;
    return r;
  }
  reserve_large(r.bytes, std::min(expect, kMaxReserve));
  std::size_t sent = 0;
  bool send_failed = false;
  Clock::time_point last_progress;
  moved(last_progress);  // the wait starts from here
  while (r.bytes.size() < expect) {
    short events = POLLIN;
    if (sent < data.size() && !send_failed) events |= POLLOUT;
    auto stall_deadline = Deadline(last_progress + stall);
    Deadline wait = earlier(stall_deadline, deadline);
    bool all_sent = sent == data.size() || send_failed;
    int ev = wait_fd(fd_.get(), events, poll_until(wait, all_sent));
    if (ev == 0 && !wait.expired()) {
      if (all_sent && other_side_stopped(r, last_progress)) return r;
      continue;
    }
    if (ev == 0) {
      r.end = End::timeout;
      trace_->add(name_, "timeout",
                  "no byte moved for " + format_duration(std::chrono::duration_cast<Millis>(Clock::now() - last_progress)) +
                      " (sent " + format_bytes(sent) + " of " + format_bytes(data.size()) + ", received " +
                      format_bytes(r.bytes.size()) + " of " + format_bytes(expect) + ")");
      return r;
    }
    if (ev & POLLOUT) {
      std::size_t want = std::min<std::size_t>(data.size() - sent, 256 * 1024);
      ssize_t w = retry_eintr([&] { return ::send(fd_.get(), data.data() + sent, want, MSG_NOSIGNAL); });
      if (w > 0) {
        trace_->data(name_, "send", data.substr(sent, static_cast<std::size_t>(w)));
        sent += static_cast<std::size_t>(w);
        moved(last_progress);
      } else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        // Keep reading: what the program sent before it reset still counts as received.
        trace_->add(name_, "send-failed", std::strerror(errno));
        send_failed = true;
      }
    }
    if (ev & (POLLIN | POLLHUP | POLLERR)) {
      std::size_t before = r.bytes.size();
      if (!read_some(r, expect - r.bytes.size())) return r;
      if (r.bytes.size() > before) moved(last_progress);
    }
  }
  r.end = End::complete;
  return r;
}

Deadline Peer::poll_until(Deadline deadline, bool asking) const {
  return quiet_ && asking ? earlier(deadline, Deadline::after(kQuietPoll)) : deadline;
}

void Peer::moved(Clock::time_point& last_progress) {
  last_progress = Clock::now();
  if (quiet_) quiet_->restart();
}

bool Peer::other_side_stopped(Received& r, Clock::time_point last_progress) {
  if (!quiet_ || Clock::now() - last_progress < kQuietAfter) return false;
  auto why = quiet_->observe(*this);
  if (!why) return false;
  r.end = End::timeout;
  r.stopped = *why;
  trace_->add(name_, "timeout",
              "nothing moved for " + format_duration(std::chrono::duration_cast<Millis>(Clock::now() - last_progress)) +
                  ", and nothing will: " + *why);
  return true;
}

bool Peer::half_close() {
  if (!fd_) return false;
  bool ok = ::shutdown(fd_.get(), SHUT_WR) == 0;
  trace_->add(name_, "half-close", ok ? "shutdown(SHUT_WR): sent FIN, still reading"
                                      : std::string("shutdown failed: ") + std::strerror(errno));
  return ok;
}

void Peer::reset() {
  if (!fd_) return;
  struct linger lg{1, 0};
  ::setsockopt(fd_.get(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  fd_.reset();
  trace_->add(name_, "reset", "close() with SO_LINGER {1, 0}: sent RST");
}

void Peer::close() {
  if (!fd_) return;
  fd_.reset();
  trace_->add(name_, "close");
}

int Peer::unacked() const {
  int q = 0;
  if (!fd_ || ::ioctl(fd_.get(), SIOCOUTQ, &q) != 0) return -1;
  return q;
}

int Peer::unread() const {
  int q = 0;
  if (!fd_ || ::ioctl(fd_.get(), FIONREAD, &q) != 0) return -1;
  return q;
}

int Peer::tcp_state() const {
  if (!fd_) return -1;
  struct tcp_info ti{};
  socklen_t len = sizeof ti;
  if (::getsockopt(fd_.get(), IPPROTO_TCP, TCP_INFO, &ti, &len) != 0) return -1;
  return ti.tcpi_state;
}

}  // namespace sockgrade::net
