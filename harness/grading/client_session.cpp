#include "grading/client_session.hpp"

#include <linux/filter.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "grading/verify.hpp"
#include "core/bytes.hpp"
#include "core/strings.hpp"
#include "core/retry.hpp"
#include "core/wait.hpp"
#include "net/observe.hpp"

namespace sockgrade::grading {
namespace {

Result<Fd> listen_on(uint16_t port, int rcvbuf) {
  Fd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!s) return unexpected(errno_error("socket"));
  int one = 1;
  ::setsockopt(s.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  // Set on the listener, inherited by the accepted socket before its window is advertised.
  if (rcvbuf > 0) ::setsockopt(s.get(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (::bind(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    return unexpected(errno_error("bind 127.0.0.1:" + std::to_string(port)));
  }
  if (::listen(s.get(), 16) != 0) return unexpected(errno_error("listen"));
  return s;
}

sockaddr_in loopback_port(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  return a;
}

// A listener that drops every segment it would get (a socket filter returning 0): a SYN sent to
// it goes unanswered, and the connecting socket stays in SYN_SENT until it retries.
Result<Fd> filtered_listener(uint16_t port) {
  Fd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!s) return unexpected(errno_error("socket"));
  sock_filter drop_all{BPF_RET | BPF_K, 0, 0, 0};
  sock_fprog prog{1, &drop_all};
  if (::setsockopt(s.get(), SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) != 0) {
    return unexpected(errno_error("setsockopt(SO_ATTACH_FILTER)"));
  }
  auto a = loopback_port(port);
  if (::bind(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    return unexpected(errno_error("bind 127.0.0.1:" + std::to_string(port)));
  }
  if (::listen(s.get(), 16) != 0) return unexpected(errno_error("listen"));
  return s;
}

// The same without a filter (a default container refuses SO_ATTACH_FILTER with EPERM): a
// listener with backlog 0 holds one connection, the harness's own `filler`; with its accept
// queue full the kernel drops every further SYN, so the client's socket stays in SYN_SENT.
Result<Fd> full_queue_listener(uint16_t port, Fd& filler) {
  auto s = listen_on(port, 0);
  if (!s) return s;
  if (::listen(s->get(), 0) != 0) return unexpected(errno_error("listen"));
  filler = Fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!filler) return unexpected(errno_error("socket"));
  auto a = loopback_port(port);
  if (::connect(filler.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 && errno != EINPROGRESS) {
    return unexpected(errno_error("connect to the held port"));
  }
  // The filler is in the accept queue once its handshake completes (at once on loopback).
  pollfd p{filler.get(), POLLOUT, 0};
  int err = 0;
  socklen_t len = sizeof err;
  if (retry_eintr([&] { return ::poll(&p, 1, 2000); }) != 1 ||
      ::getsockopt(filler.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
    return error_result("the harness's own connection to the held port did not complete");
  }
  return s;
}

// A listener on `port` that leaves every SYN unanswered: the filter, else a full accept queue.
Result<Fd> syn_dropping_listener(uint16_t port, Fd& filler) {
  auto filtered = filtered_listener(port);
  if (filtered) return filtered;
  return full_queue_listener(port, filler);
}

}  // namespace

ClientSession::ClientSession(Context& ctx, ServerPlay play) : ctx_(ctx), play_(std::move(play)) {}

ClientSession::~ClientSession() = default;

Result<void> ClientSession::add_listener(uint16_t port) {
  auto fd = listen_on(port, play_.rcvbuf);
  if (!fd) return unexpected(fd.error());
  listeners_.emplace_back(std::move(fd).value(), port);
  return {};
}

bool ClientSession::listens_on(uint16_t port) const {
  return std::any_of(listeners_.begin(), listeners_.end(), [&](const auto& l) { return l.second == port; });
}

Step<void> ClientSession::listen(bool listen) {
  requested_port_ = ctx_.requested_port();
  if (requested_port_ == 0) return harness_error("no free port for the harness's server");
  if (!listen) {
    ctx_.trace().add("server", "none", "nothing listens on port " + std::to_string(requested_port_) +
                                           " nor on " + std::to_string(ctx_.lab().run.default_port));
    if (!ctx_.settings().private_network) {
      HeldPort asked{requested_port_, {}, {}};
      auto trap = syn_dropping_listener(requested_port_, asked.filler);
      if (!trap) return harness_error("cannot hold the client's SYN on the asked port: " + trap.error().message);
      asked.listener = std::move(trap).value();
      held_.push_back(std::move(asked));
      // The default port too, when it is free on this host (best effort: another grading may hold it).
      if (uint16_t fixed = ctx_.lab().run.default_port; fixed != requested_port_) {
        HeldPort def{fixed, {}, {}};
        if (auto t = syn_dropping_listener(fixed, def.filler)) {
          def.listener = std::move(t).value();
          held_.push_back(std::move(def));
        }
      }
      std::string ports;
      for (const auto& h : held_) ports += (ports.empty() ? "" : " and ") + std::to_string(h.port);
      ctx_.trace().add("server", "hold", "listeners on port " + ports +
                                             " drop every SYN until the client's connect is seen (no private "
                                             "network namespace: its TCP counters would be the host's)");
    }
    return {};
  }
  if (auto asked = add_listener(requested_port_); !asked) {
    return harness_error("the harness's server could not listen: " + asked.error().message);
  }
  std::string where = "127.0.0.1:" + std::to_string(requested_port_);
  uint16_t fixed = ctx_.lab().run.default_port;
  if (fixed != requested_port_) {
    // Without a private namespace the fixed port may be taken on the host; then a client that
    // ignores argv finds nothing there, which the evidence says.
    if (auto other = add_listener(fixed)) {
      where += " and 127.0.0.1:" + std::to_string(fixed) + " (the contract's default)";
    } else if (other.error().code == EADDRINUSE) {
      // Another process holds it (without a namespace, another grading): the harness's
      // problem, never the student's. Retried by the runner.
      return harness_error("the harness's server could not listen on the contract's default port " +
                           std::to_string(fixed) + " (another process holds it on this host): " +
                           other.error().message);
    } else {
      ctx_.evidence()["default_port_unavailable"] = other.error().message;
    }
  }
  ctx_.trace().add("server", "listen", where);
  return {};
}

Step<ClientUnderTest*> ClientSession::spawn_client(const std::string& label, const ClientOptions& options) {
  SG_TRY(auto c, ClientUnderTest::spawn(ctx_, "127.0.0.1", requested_port_, label, options));
  client_ = ctx_.adopt_client(std::move(c));
  return client_;
}

Step<ClientUnderTest*> ClientSession::start(const ClientOptions& options) {
  if (ctx_.settings().private_network) {
    // In the cell's own namespace only its programs move the counters: the client's connects.
    counters_before_ = net::read_tcp_counters();
    if (!listeners_.empty()) {
      if (auto watch = net::SynWatch::open()) {
        syn_watch_ = std::move(watch).value();
      } else {
        ctx_.evidence()["syn_watch_unavailable"] = watch.error().message;
      }
    }
  }
  SG_CHECK(spawn_client("client", options));
  if (!syn_watch_) return client_;
  SG_CHECK(await_first_contact());
  uint16_t port = unanswered_syn_port();
  syn_watch_.reset();  // the discovery is over: no need to see every packet of the check
  if (accepted_ || port == 0) return client_;
  // The first run tried a port where nothing listened: a server there, and the client again.
  if (auto r = add_listener(port); !r) {
    return harness_error("the harness's server could not listen on the port the client tried: " + r.error().message);
  }
  discovered_port_ = port;
  ctx_.evidence()["discovered_port"] = port;
  ctx_.evidence()["discovered_port_proof"] = "a SYN to 127.0.0.1:" + std::to_string(port) + " seen on the cell's lo";
  ctx_.trace().add("server", "listen", "127.0.0.1:" + std::to_string(port) +
                                           ", the port the client tried where nothing listened; the client is "
                                           "started once more");
  client_->program().kill();
  SG_CHECK(spawn_client("client (run 2)", options));
  return client_;
}

// Until the client connected, ended, or sleeps in a call for 20 ms (it may wait for input before
// it connects): then its SYNs, if any, have all been sent. The 20 ms pass over a short sleep on
// the way (a file read while the program loads); a longer one only ends the discovery early.
Step<void> ClientSession::await_first_contact() {
  auto pid = client_->pid();
  std::optional<Clock::time_point> asleep_since;
  auto settled = [&] {
    if (accepted_) return true;
    auto calls = net::blocked_syscalls(net::process_tree(pid));
    bool asleep = !calls.empty() && std::none_of(calls.begin(), calls.end(), [](long nr) { return nr < 0; });
    if (!asleep) asleep_since.reset();
    else if (!asleep_since) asleep_since = Clock::now();
    return asleep && Clock::now() - *asleep_since >= ctx_.ms(20);
  };
  run(settled, ctx_.deadline(3000));
  return {};
}

uint16_t ClientSession::unanswered_syn_port() {
  for (const auto& [address, port] : syn_watch_->destinations()) {
    auto to = net::parse_endpoint((address.find(':') != std::string::npos ? "[" + address + "]" : address) + ":" +
                                  std::to_string(port));
    if (to && to->is_loopback() && !listens_on(port)) return port;
  }
  return 0;
}

std::string ClientSession::release_held_connect(Deadline deadline) {
  if (held_.empty() || !client_) return "";
  auto is_held = [&](uint16_t port) {
    return std::any_of(held_.begin(), held_.end(), [&](const HeldPort& h) { return h.port == port; });
  };
  auto pid = client_->pid();
  std::string seen;
  auto held = [&] {
    std::vector<uint64_t> inodes;
    for (pid_t p : net::process_tree(pid)) {
      auto some = net::socket_inodes(p);
      inodes.insert(inodes.end(), some.begin(), some.end());
    }
    for (const auto& row : net::tcp_table(pid)) {
      if (row.state != net::kTcpSynSent || !is_held(row.remote.port)) continue;
      if (std::find(inodes.begin(), inodes.end(), row.inode) == inodes.end()) continue;
      seen = "the client's socket " + row.local.to_string() + " in SYN_SENT to " + row.remote.to_string() +
             " (/proc/" + std::to_string(pid) + "/net/tcp)";
      return true;
    }
    return false;
  };
  run(held, deadline);
  held_.clear();
  ctx_.trace().add("server", "none", seen.empty() ? "no connect to port " + std::to_string(requested_port_) +
                                                        " was seen; the held port is closed"
                                                  : seen + "; the held port is closed: the next SYN is refused");
  return seen;
}

std::optional<ClientSession::ConnectAttempts> ClientSession::connect_attempts() const {
  if (!counters_before_) return std::nullopt;
  auto now = net::read_tcp_counters();
  if (!now) return std::nullopt;
  ConnectAttempts a;
  a.opened = now->since(*counters_before_, "Tcp.ActiveOpens");
  a.failed = now->since(*counters_before_, "Tcp.AttemptFails");
  a.proof = "netns Tcp ActiveOpens +" + std::to_string(a.opened) + ", AttemptFails +" + std::to_string(a.failed);
  return a;
}

void ClientSession::accept_one(int listener_fd, uint16_t port) {
  sockaddr_storage peer{};
  socklen_t len = sizeof peer;
  Fd c(::accept4(listener_fd, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_NONBLOCK | SOCK_CLOEXEC));
  if (!c) return;
  auto from = net::from_sockaddr(peer);
  if (accepted_) {
    ctx_.trace().add("server", "accept", "a second connection from " + from.to_string() + " on port " +
                                             std::to_string(port) + ", closed (one connection per check)");
    return;
  }
  accepted_ = true;
  port_used_ = port;
  conn_ = std::move(c);
  if (play_.segment > 0) {
    int one = 1;
    ::setsockopt(conn_.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ctx_.trace().add("server", "accept", "from " + from.to_string() + " on port " + std::to_string(port));
  if (play_.mode == ServerPlay::Mode::reply || play_.mode == ServerPlay::Mode::mirror) {
    out_.push_back({Clock::now(), play_.reply});
    out_bytes_ += play_.reply.size();
  }
  if (play_.mode == ServerPlay::Mode::silent || play_.mode == ServerPlay::Mode::mirror) reading_ = false;
}

void ClientSession::end_connection(bool reset, const std::string& why) {
  if (!conn_) return;
  if (reset) {
    struct linger l{1, 0};
    ::setsockopt(conn_.get(), SOL_SOCKET, SO_LINGER, &l, sizeof l);
  }
  conn_.reset();
  server_ended_ = true;
  ctx_.trace().add("server", reset ? "reset" : "close", why);
}

void ClientSession::connection_failed(const char* what) {
  client_reset_ = true;
  ctx_.trace().add("server", "reset", what + std::string(std::strerror(errno)));
  conn_.reset();
  server_ended_ = true;
}

void ClientSession::half_close() {
  if (!conn_) return;
  ::shutdown(conn_.get(), SHUT_WR);
  ctx_.trace().add("server", "half-close", "shutdown(SHUT_WR) after receiving " + format_bytes(received_));
}

void ClientSession::reset() { end_connection(true, "SO_LINGER 0 and close(): an RST"); }

int ClientSession::unread() const {
  int n = 0;
  if (!conn_ || ::ioctl(conn_.get(), FIONREAD, &n) != 0) return 0;
  return n;
}

std::optional<net::SocketRow> ClientSession::client_row() const {
  if (!conn_) return std::nullopt;
  sockaddr_storage peer{};
  socklen_t len = sizeof peer;
  if (::getpeername(conn_.get(), reinterpret_cast<sockaddr*>(&peer), &len) != 0) return std::nullopt;
  auto port = net::from_sockaddr(peer).port;
  for (const auto& row : net::tcp_table(::getpid())) {
    if (row.local.port == port && row.remote.port == port_used_) return row;
  }
  return std::nullopt;
}

uint64_t ClientSession::client_unacked() const {
  auto row = client_row();
  return row ? row->tx_queue : 0;
}

uint64_t ClientSession::server_unacked() const {
  int n = 0;
  if (!conn_ || ::ioctl(conn_.get(), SIOCOUTQ, &n) != 0) return 0;
  return static_cast<uint64_t>(n);
}

uint64_t ClientSession::server_unsent() const {
  int n = 0;
  if (!conn_ || ::ioctl(conn_.get(), SIOCOUTQNSD, &n) != 0) return 0;
  return static_cast<uint64_t>(n);
}

uint64_t ClientSession::client_unread() const {
  auto row = client_row();
  return row ? row->rx_queue : 0;
}

int ClientSession::tcp_state() const {
  if (!conn_) return -1;
  tcp_info info{};
  socklen_t len = sizeof info;
  if (::getsockopt(conn_.get(), IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return -1;
  return info.tcpi_state;
}

void ClientSession::on_readable() {
  char buf[65536];
  for (int round = 0; round < 16 && conn_ && reading_; ++round) {
    if (play_.mode == ServerPlay::Mode::echo && out_bytes_ >= play_.max_pending) return;
    ssize_t r = ::recv(conn_.get(), buf, sizeof buf, MSG_DONTWAIT);
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (r < 0) {
      connection_failed("the client's connection was reset: ");
      return;
    }
    if (r == 0) {
      if (!client_fin_) ctx_.trace().add("server", "eof", "the client's FIN after " + format_bytes(received_));
      client_fin_ = true;
      reading_ = false;
      for (auto& p : out_) p.due = std::min(p.due, Clock::now());
      if (play_.mode == ServerPlay::Mode::reply && server_ended_) end_connection(false, "the client closed too");
      settle();
      return;
    }
    std::string_view got(buf, static_cast<std::size_t>(r));
    ctx_.trace().data("server", "recv", got);
    received_ += static_cast<uint64_t>(r);
    // Once discarding, bytes are read and dropped: the client's writes keep succeeding and only
    // the EOF tells it that the server is done.
    if (play_.mode == ServerPlay::Mode::echo && !discarding_) {
      auto due = play_.hold_until_fin ? Clock::time_point::max() : Clock::now() + ctx_.ms(play_.latency_ms);
      out_.push_back({due, std::string(got)});
      out_bytes_ += got.size();
      if (play_.end_after > 0 && received_ >= play_.end_after) {
        reading_ = false;
        ending_ = true;
      }
    }
  }
}

void ClientSession::on_writable() {
  auto now = Clock::now();
  while (conn_ && !out_.empty() && out_.front().due <= now && next_send_ <= now) {
    auto& p = out_.front();
    std::size_t n = play_.segment > 0 ? std::min(play_.segment, p.bytes.size()) : p.bytes.size();
    n = std::min<std::size_t>(n, mirror_allowance());
    if (n == 0) break;
    ssize_t w = ::send(conn_.get(), p.bytes.data(), n, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (w < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (w < 0) {
      connection_failed("sending to the client failed: ");
      return;
    }
    ctx_.trace().data("server", "send", std::string_view(p.bytes).substr(0, static_cast<std::size_t>(w)));
    sent_ += static_cast<uint64_t>(w);
    out_bytes_ -= static_cast<std::size_t>(w);
    p.bytes.erase(0, static_cast<std::size_t>(w));
    if (p.bytes.empty()) out_.pop_front();
    if (play_.segment > 0) {
      next_send_ = now + ctx_.ms(play_.gap_ms);
      break;
    }
  }
  settle();
}

// Mirror: no answer runs ahead of the input the client has taken from its stdin (what a real
// echo could have sent), nor more than 32 KiB (half the smallest receive window) ahead of what it
// printed, which it must have read first. A client blocked in write() then holds at most that
// much unread, so nothing waits unsent and the server's FIN can follow.
std::size_t ClientSession::mirror_allowance() const {
  if (play_.mode != ServerPlay::Mode::mirror) return SIZE_MAX;
  constexpr uint64_t kAhead = 32 * 1024;
  uint64_t consumed = client_ ? client_->stdin_consumed() : 0;
  uint64_t printed = client_ ? client_->output_total() : 0;
  uint64_t ahead = sent_ > printed ? sent_ - printed : 0;
  if (consumed <= sent_ || ahead >= kAhead) return 0;
  return static_cast<std::size_t>(std::min(consumed - sent_, kAhead - ahead));
}

void ClientSession::stop_sending() {
  out_.clear();
  out_bytes_ = 0;
}

// What the server does once its output is out: end the connection when the play says so.
void ClientSession::settle() {
  if (!conn_ || !out_.empty() || server_ended_) return;
  if (ending_) {
    ::shutdown(conn_.get(), SHUT_WR);
    ending_ = false;
    discarding_ = true;
    reading_ = true;
    server_ended_ = true;
    ctx_.trace().add("server", "half-close", "after echoing " + format_bytes(received_) +
                                                 "; what the client still sends is read and dropped");
  } else if (play_.mode == ServerPlay::Mode::reply) {
    ::shutdown(conn_.get(), SHUT_WR);
    server_ended_ = true;
    ctx_.trace().add("server", "half-close", "the reply is complete (" + format_bytes(sent_) + ")");
  } else if (play_.mode == ServerPlay::Mode::echo && client_fin_ && play_.close_after_fin) {
    end_connection(false, "everything echoed after the client's FIN");
  }
}

Clock::time_point ClientSession::next_timer() const {
  if (!conn_ || out_.empty()) return Clock::time_point::max();
  return std::max(out_.front().due, next_send_);
}

ClientSession::Stop ClientSession::run(const std::function<bool()>& done, Deadline deadline, Millis stall) {
  auto last_progress = Clock::now();
  std::optional<Clock::time_point> exited_at;
  for (;;) {
    if (done()) return Stop::done;
    if (client_) {
      auto v = client_->status();
      if (!v.running()) {
        if (!exited_at) {
          exited_at = Clock::now();
          ctx_.trace().add(client_->label(), "exit", v.describe());
        }
        // A descendant may hold stdout open; the program's own end is what counts.
        if (client_->output_eof() || Clock::now() - *exited_at > ctx_.ms(500)) return Stop::exited;
      }
    }
    auto now = Clock::now();
    if (deadline.expired()) return Stop::deadline;
    if (now - last_progress >= stall) return Stop::stalled;
    // Data ready to go whose time has come goes out first (it may have become due meanwhile).
    if (conn_ && !out_.empty() && next_timer() <= now && mirror_allowance() > 0) on_writable();

    auto set = poll_set(now, exited_at.has_value());
    auto wake = std::min({deadline.at(), last_progress + stall, next_timer()});
    if (exited_at) wake = std::min(wake, *exited_at + ctx_.ms(500));
    // Capped: `done()` may wait on a state the kernel sends no event for (/proc, TCP state).
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(wake - now).count() + 1;
    int timeout = static_cast<int>(std::clamp<int64_t>(left, 0, 100));
    int r = retry_eintr([&] { return ::poll(set.fds.data(), set.fds.size(), timeout); });
    if (r < 0) return Stop::deadline;
    bool moved = dispatch(set);
    if (moved) last_progress = Clock::now();
  }
}

ClientSession::PollSet ClientSession::poll_set(Clock::time_point now, bool client_exited) {
  PollSet set;
  for (auto& [fd, port] : listeners_) set.add(fd.get(), POLLIN, Source::listener);
  if (conn_) {
    short ev = 0;
    bool room = play_.mode != ServerPlay::Mode::echo || out_bytes_ < play_.max_pending;
    if (reading_ && room) ev |= POLLIN;
    if (!out_.empty() && next_timer() <= now && mirror_allowance() > 0) ev |= POLLOUT;
    // No events wanted: left out, or a hung-up socket would wake poll() at once, again and again.
    if (ev != 0) set.add(conn_.get(), ev, Source::connection);
  }
  if (client_ && client_->wants_stdin_write()) set.add(client_->stdin_fd(), POLLOUT, Source::client_stdin);
  if (client_ && !client_->output_eof()) set.add(client_->stdout_fd(), POLLIN, Source::client_stdout);
  if (client_ && !client_exited) set.add(client_->program().exit_fd(), POLLIN, Source::client_exit);
  return set;
}

bool ClientSession::dispatch(const PollSet& set) {
  bool moved = false;
  std::size_t listener_index = 0;
  for (std::size_t i = 0; i < set.fds.size(); ++i) {
    short revents = set.fds[i].revents;
    switch (set.sources[i]) {
      case Source::listener: {
        auto& [fd, port] = listeners_[listener_index++];
        if (revents & POLLIN) {
          bool before = accepted_;
          accept_one(fd.get(), port);
          moved = moved || accepted_ != before;
        }
        break;
      }
      case Source::connection: {
        if (!revents) break;
        uint64_t rx = received_, tx = sent_;
        bool fin = client_fin_, ended = server_ended_;
        if (revents & (POLLIN | POLLHUP | POLLERR)) on_readable();
        if (conn_ && (revents & POLLOUT)) on_writable();
        moved = moved || rx != received_ || tx != sent_ || fin != client_fin_ || ended != server_ended_;
        break;
      }
      case Source::client_stdin:
        if (!revents) break;
        moved = client_->on_stdin_writable() > 0 || moved;
        if (client_->stdin_closed()) moved = true;
        break;
      case Source::client_stdout:
        if (!revents) break;
        moved = client_->on_stdout_readable() > 0 || client_->output_eof() || moved;
        break;
      case Source::client_exit:
        moved = moved || revents != 0;
        break;
    }
  }
  return moved;
}

void ClientSession::record_evidence() {
  auto& ev = ctx_.evidence();
  ev["asked_port"] = requested_port_;
  ev["connected_on_port"] = accepted_ ? nlohmann::json(port_used_) : nlohmann::json("never connected");
  ev["server_received_bytes"] = received_;
  ev["server_sent_bytes"] = sent_;
  ev["client_half_closed"] = client_fin_;
  if (auto attempts = connect_attempts()) ev["connect_attempts"] = attempts->proof;
  if (client_) {
    ev["stdin_fed_bytes"] = client_->stdin_written();
    ev["stdin_closed"] = client_->stdin_closed();
    ev["stdout_bytes"] = client_->output_total();
  }
}

std::string ClientSession::progress() const {
  std::string s;
  if (client_) s += format_bytes(client_->stdin_written()) + " fed to its stdin, ";
  s += "the server received " + format_bytes(received_) + " and sent " + format_bytes(sent_);
  if (client_) s += ", the client printed " + format_bytes(client_->output_total());
  return s;
}

namespace {

// " and exited with status 0", " and is still running", for messages about the client.
std::string client_fate(ClientUnderTest& c) {
  auto v = c.status();
  if (v.running()) return " and is still running";
  return " and " + c.fate_sentence();
}

std::string first_line(const std::string& text) {
  auto t = text.substr(0, text.find('\n'));
  return escape_preview(t, 120);
}

}  // namespace

Unexpected<Outcome> never_connected(Context& ctx, ClientSession& s, const std::string& scene) {
  auto& c = s.client();
  s.record_evidence();
  std::string m = scene;
  auto attempts = s.connect_attempts();
  if (attempts && attempts->opened == 0) {
    ctx.evidence()["proof"] = attempts->proof;
    m += "the client never tried to connect (" + attempts->proof + ")";
  } else {
    m += "the client never connected to the server";
    // Where it tried cannot be seen then, nor served: the host's ports are not the harness's.
    if (!ctx.settings().private_network) m += " (without a private network namespace only the asked and default ports are served)";
  }
  // A client still running may only lack the CPU to do what it is about to (print its usage and
  // exit: seen under a load of 280, charged "still running" before it had printed a byte). While
  // it is runnable, wait for it (up to 10 s); one asleep (reading its stdin, say) is judged now.
  // Each look walks /proc: every 50 ms is often enough for a wait of seconds.
  wait_until(
      ctx.deadline(10000),
      [&] {
        if (!c.status().running()) return true;
        auto tree = net::snapshot_tree(c.pid());
        return !tree.root_busy() && tree.busy_children == 0;
      },
      50'000);
  if (c.status().running()) return timed_out(m + " and is still running");
  c.program().finish_output(500);
  std::string said = first_line(c.stderr_text());
  m += " and " + c.fate_sentence();
  if (!said.empty()) m += " after printing '" + said + "' on stderr";
  return failed(m);
}

std::optional<std::string> bytes_held_until_exit(Context& ctx, ClientSession& s, std::string_view expected) {
  auto& c = s.client();
  std::size_t before = c.output().size();
  if (!s.accepted() || !c.status().running() || before >= expected.size() || s.sent() < expected.size()) {
    return std::nullopt;
  }
  if (expected.substr(0, before) != c.output()) return std::nullopt;
  // Only bytes the client has taken from its socket can be in its stdio buffer: all sent,
  // acknowledged by its kernel, and none left unread there.
  if (s.server_unacked() != 0 || s.client_unread() != 0) return std::nullopt;
  std::string delivered = format_bytes(s.sent()) + " sent by the server were all read by the client";
  ctx.trace().add("harness", "observe", "the client printed " + format_bytes(before) + " of " +
                                            format_bytes(expected.size()) + "; its stdin is closed to see what it "
                                            "prints when it exits");
  c.close_stdin();
  s.run_until_exit(ctx.deadline(3000));
  const std::string& after = c.output();
  if (c.status().running() || after.size() < expected.size() || after.substr(0, expected.size()) != expected) {
    return std::nullopt;
  }
  std::string proof = delivered + "; stdout: " + format_bytes(before) + " while it ran, " +
                      format_bytes(after.size() - before) + " more when it exited";
  ctx.evidence()["proof"] = proof;
  return proof;
}

Step<void> expect_printed(Context& ctx, ClientSession& s, std::string_view expected, ClientSession::Stop stop,
                          const std::string& scene) {
  auto& c = s.client();
  const std::string& got = c.output();
  if (got == expected) return {};
  s.record_evidence();
  auto& ev = ctx.evidence();
  ev["expected_stdout"] = bytes_evidence(expected);
  ev["printed"] = bytes_evidence(got);
  std::size_t common = std::min(got.size(), expected.size());
  auto diff = first_difference(expected.substr(0, common), std::string_view(got).substr(0, common));
  if (diff != std::string_view::npos && diff < common) {
    std::size_t from = diff >= 16 ? diff - 16 : 0;
    ev["first_difference"] = diff;
    ev["expected_hex"] = hex_dump(expected, from, 48);
    ev["received_hex"] = hex_dump(got, from, 48);
    return failed(scene + "the client's stdout differs from what the server sent at byte " + std::to_string(diff) +
                  ": expected '" + escape_preview(expected.substr(diff, 16), 16) + "', printed '" +
                  escape_preview(std::string_view(got).substr(diff, 16), 16) + "' (" + s.progress() + ")");
  }
  if (got.size() > expected.size()) {
    return failed(scene + "the client printed " + format_bytes(got.size()) + ", more than the " +
                  format_bytes(expected.size()) + " the server sent (" + s.progress() + ")");
  }
  if (!s.accepted()) return never_connected(ctx, s, scene);
  std::string m = scene + "the client printed only " + format_bytes(got.size()) + " of " +
                  format_bytes(expected.size()) + client_fate(c) + " (" + s.progress() + ")";
  const std::size_t printed = got.size();  // `got` grows if the client prints at its exit
  if (bytes_held_until_exit(ctx, s, expected)) {
    return failed(scene + "the client printed only " + format_bytes(printed) + " of " +
                  format_bytes(expected.size()) + " while it ran, and the rest came out at once when it exited "
                  "after stdin was closed: its stdout is a pipe here, so stdio buffers it in blocks; call "
                  "fflush(stdout) after each reply, or setvbuf(stdout, NULL, _IONBF, 0) at the start");
  }
  switch (stop) {
    case ClientSession::Stop::stalled:
      return timed_out(m + "; then nothing moved in either direction: the client is stuck");
    case ClientSession::Stop::deadline:
      return timed_out(m + " when the deadline came");
    default:
      return failed(m);
  }
}

Step<void> expect_error_exit(Context& ctx, ClientSession& s, const std::string& scene,
                             const std::string& sigpipe_cause) {
  auto& c = s.client();
  s.record_evidence();
  auto v = c.status();
  c.program().finish_output(500);  // its stderr, up to EOF: the drain thread may lag behind the exit
  std::string err = c.stderr_text();
  if (v.running()) {
    return timed_out(scene + "the client was still running at the deadline: it did not notice the error (" +
                     s.progress() + ")");
  }
  if (v.kind == cell::Verdict::Kind::signaled && v.signal == SIGPIPE) {
    ctx.evidence()["proof"] = "killed by signal 13 (SIGPIPE)";
    return failed(scene + "the client was killed by SIGPIPE: " + sigpipe_cause +
                  ", and the signal's default action ended it without a word (" + s.progress() + ")");
  }
  if (v.kind == cell::Verdict::Kind::signaled) return failed(scene + "the client " + c.fate_sentence());
  if (v.exit_code == 0) {
    return failed(scene + "the client exited with status 0, as if all went well; an error must end it with a "
                          "non-zero status (" + s.progress() + ")");
  }
  if (trim(err).empty()) {
    return failed(scene + "the client exited with status " + std::to_string(v.exit_code) +
                  " but wrote nothing on stderr: say what went wrong (perror(), fprintf(stderr, ...))");
  }
  ctx.evidence()["stderr_first_line"] = first_line(err);
  return {};
}

}  // namespace sockgrade::grading
