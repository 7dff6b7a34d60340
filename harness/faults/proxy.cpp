#include "faults/proxy.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <deque>
#include <list>

#include "core/retry.hpp"
#include "core/strings.hpp"
#include "net/local_ports.hpp"

namespace sockgrade::faults {
namespace {

constexpr std::size_t kMaxQueued = 1 << 20;  // per direction; beyond it the source is not read
constexpr std::size_t kReadSize = 256 * 1024;
constexpr int kPipeSize = 1 << 20;

struct Stream {
  Direction dir = Direction::to_program;
  int src = -1;
  int dst = -1;
  std::vector<std::unique_ptr<Fault>> chain;
  LinkSettings link;
  std::deque<Piece> queue;
  std::size_t queued = 0;
  std::size_t front_offset = 0;
  Clock::time_point next_read{};
  bool src_done = false;  // EOF or an error was read: no more reads
  bool ended = false;     // this direction is shut towards its destination
  // Without faults the bytes go through a pipe with splice(2), never copied to user space.
  bool fast = false;
  Fd pipe_read, pipe_write;
  std::size_t in_pipe = 0;
  bool eof_pending = false;  // EOF read; the FIN follows once the pipe is empty
  std::size_t held() const {
    std::size_t h = queued + in_pipe;
    for (const auto& f : chain) h += f->held_bytes();
    return h;
  }
};

// Passes a piece to fault `next` of the chain, or into the stream's write queue after the last.
class StageEmitter : public Emitter {
 public:
  StageEmitter(Stream& s, std::size_t next) : s_(s), next_(next) {}
  void emit(Piece piece) override {
    if (next_ < s_.chain.size()) {
      StageEmitter e(s_, next_ + 1);
      s_.chain[next_]->push(std::move(piece), e);
      return;
    }
    s_.queued += piece.bytes.size();
    s_.queue.push_back(std::move(piece));
  }

 private:
  Stream& s_;
  std::size_t next_;
};

struct Conn {
  int id = 0;
  Fd peer;
  Fd program;
  bool connected = false;
  bool finished = false;
  Stream streams[2];  // [0] to the program, [1] from the program
};

void set_nodelay(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

void reset_socket(Fd& fd) {
  if (!fd) return;
  struct linger lg{1, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  fd.reset();
}

class Engine {
 public:
  Engine(ProxyConfig config, Fd listener, std::shared_ptr<Proxy::Counters> counters)
      : config_(std::move(config)), listener_(std::move(listener)), counters_(std::move(counters)) {}

  void run(int stop_fd) {
    for (;;) {
      PollSet set = poll_set(stop_fd);
      int timeout = set.wake.poll_timeout_ms();
      retry_eintr([&] { return ::poll(set.fds.data(), set.fds.size(), timeout); });
      if (set.fds[0].revents) return;
      if (set.fds[1].revents & POLLIN) accept_one();
      serve_ready(set);
      do_timed_work();
      conns_.remove_if([](const Conn& c) { return c.finished; });
    }
  }

 private:
  // What one poll() waits for: the stop fd, the listener, then a peer and a program slot per
  // connection; and when time-driven work is due at the latest.
  struct PollSet {
    std::vector<struct pollfd> fds;
    std::vector<std::pair<Conn*, int>> owners;  // which conn and role (0 peer, 1 program, -1 none)
    Deadline wake = Deadline::never();
    void consider(Clock::time_point t) {
      if (t < wake.at()) wake = Deadline(t);
    }
  };

  PollSet poll_set(int stop_fd) {
    PollSet set;
    set.fds.push_back({stop_fd, POLLIN, 0});
    set.owners.push_back({nullptr, -1});
    set.fds.push_back({listener_.get(), POLLIN, 0});
    set.owners.push_back({nullptr, -1});
    auto now = Clock::now();
    for (auto& c : conns_) add_connection(set, c, now);
    return set;
  }

  void add_connection(PollSet& set, Conn& c, Clock::time_point now) {
    short peer_events = 0, program_events = 0;
    if (!c.connected) {
      program_events |= POLLOUT;
    } else {
      for (auto& s : c.streams) {
        short& src_events = s.src == c.peer.get() ? peer_events : program_events;
        short& dst_events = s.dst == c.peer.get() ? peer_events : program_events;
        if (!s.src_done && s.held() < kMaxQueued) {
          if (now >= s.next_read) src_events |= POLLIN;
          else set.consider(s.next_read);
        }
        if (s.fast && s.in_pipe > 0) dst_events |= POLLOUT;
        if (!s.queue.empty()) {
          if (s.queue.front().at <= now) dst_events |= POLLOUT;
          else set.consider(s.queue.front().at);
        }
        for (auto& f : s.chain) {
          if (auto t = f->wake_at()) set.consider(*t);
        }
      }
    }
    // A socket we want nothing from is left out (fd -1): a shut one reports POLLHUP at once
    // and would keep the loop spinning while a fault holds data back.
    set.fds.push_back({peer_events ? c.peer.get() : -1, peer_events, 0});
    set.owners.push_back({&c, 0});
    set.fds.push_back({program_events ? c.program.get() : -1, program_events, 0});
    set.owners.push_back({&c, 1});
  }

  // The sockets poll() found ready: connects completed, sources read, queues written.
  void serve_ready(const PollSet& set) {
    for (std::size_t i = 2; i < set.fds.size(); ++i) {
      auto [c, role] = set.owners[i];
      short revents = set.fds[i].revents;
      if (!c || c->finished || !revents) continue;
      if (role == 1 && !c->connected) {
        finish_connect(*c);
        continue;
      }
      for (auto& s : c->streams) {
        int fd = role == 0 ? c->peer.get() : c->program.get();
        if (c->finished) break;
        if (s.src == fd && !s.src_done && (revents & (POLLIN | POLLHUP | POLLERR))) read_source(*c, s);
        if (!c->finished && s.dst == fd && (revents & (POLLOUT | POLLERR))) write_queue(*c, s);
      }
    }
  }

  // Time-driven work: faults that release held data, pieces whose time has come.
  void do_timed_work() {
    auto now = Clock::now();
    for (auto& c : conns_) {
      if (c.finished || !c.connected) continue;
      for (auto& s : c.streams) {
        for (std::size_t k = 0; k < s.chain.size(); ++k) {
          auto t = s.chain[k]->wake_at();
          if (t && *t <= now) {
            StageEmitter e(s, k + 1);
            s.chain[k]->wake(now, e);
          }
        }
        if (!c.finished && !s.queue.empty() && s.queue.front().at <= now) write_queue(c, s);
      }
      if (!c.finished && c.streams[0].ended && c.streams[1].ended) finish(c, "both directions closed");
    }
  }

  void event(const std::string& what, const std::string& detail) {
    if (config_.on_event) config_.on_event(what, detail);
  }

  void accept_one() {
    Fd peer(::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!peer) return;
    Conn c;
    c.id = ++next_id_;
    counters_->connections++;
    set_nodelay(peer.get());
    sockaddr_storage sa;
    auto len = to_sockaddr(config_.target, sa);
    if (auto s = net::client_socket(config_.target.family)) c.program = std::move(s).value();
    if (!len || !c.program) return;
    set_nodelay(c.program.get());
    for (int d = 0; d < 2; ++d) {
      auto& s = c.streams[d];
      s.dir = d == 0 ? Direction::to_program : Direction::from_program;
      std::size_t index = 0;
      for (const auto& spec : config_.faults) {
        ++index;
        if (spec.direction != s.dir) continue;
        s.chain.push_back(make_fault(spec, config_.seed + static_cast<uint64_t>(c.id), index));
        s.chain.back()->configure(s.link);
      }
    }
    for (auto& s : c.streams) {
      if (!s.chain.empty()) continue;
      int p[2];
      if (::pipe2(p, O_NONBLOCK | O_CLOEXEC) != 0) continue;  // the copying path still works
      s.pipe_read.reset(p[0]);
      s.pipe_write.reset(p[1]);
      ::fcntl(p[1], F_SETPIPE_SZ, kPipeSize);
      s.fast = true;
    }
    if (int rb = c.streams[1].link.receive_buffer) ::setsockopt(c.program.get(), SOL_SOCKET, SO_RCVBUF, &rb, sizeof rb);
    if (int rb = c.streams[0].link.receive_buffer) ::setsockopt(peer.get(), SOL_SOCKET, SO_RCVBUF, &rb, sizeof rb);
    c.peer = std::move(peer);
    int r = ::connect(c.program.get(), reinterpret_cast<sockaddr*>(&sa), *len);
    event("accept", "connection " + std::to_string(c.id) + " from the client; connecting to " + config_.target.to_string());
    conns_.push_back(std::move(c));
    if (r == 0) finish_connect(conns_.back());
    else if (errno != EINPROGRESS) fail_connect(conns_.back(), errno);
  }

  void finish_connect(Conn& c) {
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(c.program.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      fail_connect(c, err);
      return;
    }
    c.connected = true;
    auto now = Clock::now();
    c.streams[0].src = c.peer.get();
    c.streams[0].dst = c.program.get();
    c.streams[1].src = c.program.get();
    c.streams[1].dst = c.peer.get();
    for (auto& s : c.streams) {
      for (auto& f : s.chain) f->begin(now);
    }
    event("connect", "connection " + std::to_string(c.id) + " reached the program");
  }

  void fail_connect(Conn& c, int err) {
    event("connect-failed", std::string("connection ") + std::to_string(c.id) + " could not reach the program: " +
                                std::strerror(err) + "; resetting the client");
    reset_socket(c.peer);
    c.program.reset();
    c.finished = true;
  }

  void splice_in(Conn& c, Stream& s) {
    ssize_t n = retry_eintr([&] {
      return ::splice(s.src, nullptr, s.pipe_write.get(), nullptr, static_cast<std::size_t>(kPipeSize) - s.in_pipe,
                      SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
    });
    if (n > 0) {
      s.in_pipe += static_cast<std::size_t>(n);
      splice_out(c, s);
      return;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    s.src_done = true;
    if (n == 0) {
      s.eof_pending = true;
      splice_out(c, s);
      return;
    }
    event("reset-received", std::string(s.dir == Direction::to_program ? "the client" : "the program") +
                                " reset connection " + std::to_string(c.id) + " (" + std::strerror(errno) + ")");
    reset_both(c);
  }

  void splice_out(Conn& c, Stream& s) {
    int d = s.dir == Direction::to_program ? 0 : 1;
    while (s.in_pipe > 0) {
      ssize_t w = retry_eintr(
          [&] { return ::splice(s.pipe_read.get(), nullptr, s.dst, nullptr, s.in_pipe, SPLICE_F_NONBLOCK | SPLICE_F_MOVE); });
      if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (w <= 0) {
        event("reset-received", std::string(d == 0 ? "the program" : "the client") + " is gone; resetting connection " +
                                    std::to_string(c.id));
        reset_both(c);
        return;
      }
      s.in_pipe -= static_cast<std::size_t>(w);
      counters_->bytes[d] += static_cast<uint64_t>(w);
      counters_->writes[d]++;
    }
    if (s.eof_pending && !s.ended) {
      ::shutdown(s.dst, SHUT_WR);
      s.ended = true;
    }
  }

  void read_source(Conn& c, Stream& s) {
    if (s.fast) {
      splice_in(c, s);
      return;
    }
    char buf[kReadSize];
    std::size_t want = s.link.max_read ? std::min(s.link.max_read, sizeof buf) : sizeof buf;
    ssize_t n = retry_eintr([&] { return ::recv(s.src, buf, want, 0); });
    auto now = Clock::now();
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    StageEmitter first(s, 0);
    if (n > 0) {
      s.next_read = now + s.link.read_interval;
      first.emit(Piece{Piece::Kind::data, std::string(buf, static_cast<std::size_t>(n)), now});
      return;
    }
    s.src_done = true;
    if (n == 0) {
      first.emit(Piece{Piece::Kind::half_close, {}, now});
    } else {
      event("reset-received", std::string(s.dir == Direction::to_program ? "the client" : "the program") +
                                  " reset connection " + std::to_string(c.id) + " (" + std::strerror(errno) + ")");
      first.emit(Piece{Piece::Kind::reset, {}, now});
    }
  }

  void write_queue(Conn& c, Stream& s) {
    if (s.fast) {
      splice_out(c, s);
      return;
    }
    int d = s.dir == Direction::to_program ? 0 : 1;
    auto now = Clock::now();
    while (!s.queue.empty() && s.queue.front().at <= now && !c.finished) {
      Piece& p = s.queue.front();
      switch (p.kind) {
        case Piece::Kind::data: {
          if (s.ended) {  // the direction was shut: later data is dropped
            s.queued -= p.bytes.size();
            s.queue.pop_front();
            continue;
          }
          std::size_t left = p.bytes.size() - s.front_offset;
          ssize_t w = retry_eintr([&] { return ::send(s.dst, p.bytes.data() + s.front_offset, left, MSG_NOSIGNAL); });
          if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
          if (w < 0) {
            event("reset-received", std::string(d == 0 ? "the program" : "the client") + " is gone (" +
                                        std::strerror(errno) + "); resetting connection " + std::to_string(c.id));
            reset_both(c);
            return;
          }
          counters_->bytes[d] += static_cast<uint64_t>(w);
          if (config_.on_write) config_.on_write(s.dir, std::string_view(p.bytes).substr(s.front_offset, static_cast<std::size_t>(w)));
          s.front_offset += static_cast<std::size_t>(w);
          if (s.front_offset < p.bytes.size()) return;  // the socket buffer is full
          counters_->writes[d]++;
          s.queued -= p.bytes.size();
          s.front_offset = 0;
          s.queue.pop_front();
          break;
        }
        case Piece::Kind::half_close:
          if (!s.ended) {
            ::shutdown(s.dst, SHUT_WR);
            s.ended = true;
            if (!s.src_done) {
              event("half-close", "connection " + std::to_string(c.id) + ": sent FIN " +
                                      (d == 0 ? "to the program" : "to the client") + " (fault)");
            }
          }
          s.queue.pop_front();
          break;
        case Piece::Kind::reset:
          event("reset", "connection " + std::to_string(c.id) + ": RST to the client and the program");
          reset_both(c);
          return;
        case Piece::Kind::close:
          finish(c, "closed both sides after the byte limit (fault)");
          return;
      }
    }
  }

  void reset_both(Conn& c) {
    reset_socket(c.peer);
    reset_socket(c.program);
    c.finished = true;
  }

  void finish(Conn& c, const std::string& why) {
    event("close", "connection " + std::to_string(c.id) + ": " + why);
    c.peer.reset();
    c.program.reset();
    c.finished = true;
  }

  ProxyConfig config_;
  Fd listener_;
  std::shared_ptr<Proxy::Counters> counters_;
  std::list<Conn> conns_;
  int next_id_ = 0;
};

Result<std::pair<Fd, net::Endpoint>> bind_listener(const net::Endpoint& at) {
  sockaddr_storage sa;
  SG_TRY(socklen_t len, to_sockaddr(at, sa));
  Fd fd(::socket(at.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return unexpected(errno_error("socket"));
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), len) != 0) return unexpected(errno_error("bind " + at.to_string()));
  if (::listen(fd.get(), 128) != 0) return unexpected(errno_error("listen"));
  sockaddr_storage bound{};
  socklen_t bl = sizeof bound;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound), &bl);
  return std::pair<Fd, net::Endpoint>(std::move(fd), net::from_sockaddr(bound));
}

}  // namespace

Result<std::unique_ptr<Proxy>> Proxy::start(ProxyConfig config) {
  SG_TRY(auto bound, bind_listener(config.listen));
  std::unique_ptr<Proxy> p(new Proxy());
  p->endpoint_ = bound.second;
  p->stop_.reset(::eventfd(0, EFD_CLOEXEC));
  if (!p->stop_) return unexpected(errno_error("eventfd"));
  p->counters_ = std::make_shared<Counters>();
  auto engine = std::make_shared<Engine>(std::move(config), std::move(bound.first), p->counters_);
  int stop_fd = p->stop_.get();
  p->thread_ = std::thread([engine, stop_fd] { engine->run(stop_fd); });
  return p;
}

Result<void> Proxy::run(ProxyConfig config, int stop_fd, const std::function<void(const net::Endpoint&)>& on_listening) {
  SG_TRY(auto bound, bind_listener(config.listen));
  if (on_listening) on_listening(bound.second);
  Engine engine(std::move(config), std::move(bound.first), std::make_shared<Counters>());
  engine.run(stop_fd);
  return {};
}

Proxy::~Proxy() { stop(); }

void Proxy::stop() {
  if (!thread_.joinable()) return;
  uint64_t one = 1;
  [[maybe_unused]] auto w = ::write(stop_.get(), &one, sizeof one);
  thread_.join();
}

ProxyStats Proxy::stats() const {
  ProxyStats s;
  s.connections = counters_->connections;
  s.bytes_to_program = counters_->bytes[0];
  s.bytes_from_program = counters_->bytes[1];
  s.writes_to_program = counters_->writes[0];
  s.writes_from_program = counters_->writes[1];
  return s;
}

std::string proxy_command(const std::vector<FaultSpec>& faults, const net::Endpoint& target, uint64_t seed) {
  std::string cmd = "sockgrade proxy --listen 127.0.0.1:9000 --to " + target.to_string();
  for (const auto& f : faults) cmd += " --fault " + shell_quote(fault_text(f));
  cmd += " --seed " + std::to_string(seed);
  return cmd;
}

}  // namespace sockgrade::faults
