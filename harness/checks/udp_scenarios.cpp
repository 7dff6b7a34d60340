#include "checks/udp_scenarios.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "core/bytes.hpp"
#include "core/retry.hpp"
#include "grading/server_under_test.hpp"
#include "grading/verify.hpp"

namespace sockgrade::checks {

Step<UdpPeer> UdpPeer::open(Context& ctx, std::string name) {
  UdpPeer p;
  p.ctx_ = &ctx;
  p.name_ = std::move(name);
  p.fd_.reset(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (!p.fd_ || ::bind(p.fd_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    return harness_error("cannot open a UDP socket for " + p.name_);
  }
  int big = 1 << 20;
  ::setsockopt(p.fd_.get(), SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  return p;
}

Step<void> UdpPeer::send(std::string_view bytes) {
  sockaddr_storage ss;
  auto len = net::to_sockaddr(ctx_->server().endpoint(), ss);
  if (!len) return harness_error(len.error().message);
  ssize_t w = ::sendto(fd_.get(), bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&ss), *len);
  if (w != static_cast<ssize_t>(bytes.size())) {
    return harness_error(name_ + " could not send a " + std::to_string(bytes.size()) + "-byte datagram: " +
                         std::strerror(errno));
  }
  ctx_->trace().add(name_, "send", std::to_string(bytes.size()) + "-byte datagram: " + escape_preview(bytes, 32));
  return {};
}

std::optional<std::string> UdpPeer::receive(Deadline deadline) {
  struct pollfd pfd{fd_.get(), POLLIN, 0};
  for (;;) {
    int r = retry_eintr([&] { return ::poll(&pfd, 1, deadline.poll_timeout_ms()); });
    if (r <= 0) {
      if (deadline.expired()) return std::nullopt;
      continue;
    }
    std::string buf(kMaxDatagram + 1, '\0');
    ssize_t n = ::recv(fd_.get(), buf.data(), buf.size(), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return std::nullopt;
    }
    buf.resize(static_cast<std::size_t>(n));
    ctx_->trace().add(name_, "recv", std::to_string(n) + "-byte datagram: " + escape_preview(buf, 32));
    return buf;
  }
}

Step<void> udp_round_trip(Context& ctx, UdpPeer& peer, std::string_view msg, int base_ms) {
  SG_CHECK(peer.send(msg));
  auto got = peer.receive(ctx.deadline(base_ms));
  auto& ev = ctx.evidence();
  if (!got) {
    ev["sent"] = bytes_evidence(msg);
    SG_CHECK(ctx.server().expect_alive("after " + peer.name() + " sent a " + std::to_string(msg.size()) +
                                       "-byte datagram"));
    return timed_out(peer.name() + " sent a " + std::to_string(msg.size()) + "-byte datagram and no reply came back "
                     "within " + ctx.human(base_ms));
  }
  if (*got == msg) return {};
  ev["sent"] = bytes_evidence(msg);
  ev["received"] = bytes_evidence(*got);
  if (got->size() != msg.size()) {
    return failed(peer.name() + " sent a " + std::to_string(msg.size()) + "-byte datagram and got back " +
                  std::to_string(got->size()) + " bytes" +
                  (got->size() < msg.size() ? ": the datagram was cut (a receive buffer smaller than the datagram "
                                              "truncates it, silently)"
                                            : ""));
  }
  auto d = first_difference(msg, *got);
  return failed(peer.name() + " sent a " + std::to_string(msg.size()) + "-byte datagram and got back different bytes "
                "from byte " + std::to_string(d) + " on: expected '" + escape_preview(msg.substr(d, 16), 16) +
                "', got '" + escape_preview(std::string_view(*got).substr(d, 16), 16) + "'");
}

Step<void> UdpWorld::listen() {
  requested_port_ = ctx_.requested_port();
  for (uint16_t port : {requested_port_, ctx_.lab().run.default_port}) {
    Fd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    if (!s || ::bind(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      if (port == requested_port_) return harness_error("the harness's UDP server cannot bind port " + std::to_string(port));
      continue;
    }
    socks_.emplace_back(std::move(s), port);
  }
  ctx_.trace().add("server", "bind", "UDP 127.0.0.1:" + std::to_string(requested_port_) + " (and the default port)");
  return {};
}

Step<ClientUnderTest*> UdpWorld::start() {
  SG_TRY(auto c, ClientUnderTest::spawn(ctx_, "127.0.0.1", requested_port_, "client", {}));
  client_ = ctx_.adopt_client(std::move(c));
  return client_;
}

bool UdpWorld::run(const std::function<bool()>& done, Deadline deadline) {
  std::optional<Clock::time_point> exited_at;
  for (;;) {
    if (done()) return true;
    if (!client_->status().running()) {
      if (!exited_at) {
        exited_at = Clock::now();
        ctx_.trace().add("client", "exit", client_->status().describe());
      }
      if (client_->output_eof() || Clock::now() - *exited_at > ctx_.ms(500)) return false;
    }
    if (deadline.expired()) return false;
    std::vector<pollfd> fds;
    for (auto& [fd, port] : socks_) fds.push_back({fd.get(), POLLIN, 0});
    std::size_t n_socks = fds.size();
    int in_i = -1, out_i = -1, exit_i = -1;
    if (client_->wants_stdin_write()) {
      in_i = static_cast<int>(fds.size());
      fds.push_back({client_->stdin_fd(), POLLOUT, 0});
    }
    if (!client_->output_eof()) {
      out_i = static_cast<int>(fds.size());
      fds.push_back({client_->stdout_fd(), POLLIN, 0});
    }
    if (!exited_at) {
      exit_i = static_cast<int>(fds.size());
      fds.push_back({client_->program().exit_fd(), POLLIN, 0});
    }
    int timeout = std::min(deadline.poll_timeout_ms(), 100);
    if (retry_eintr([&] { return ::poll(fds.data(), fds.size(), timeout); }) < 0) return false;
    for (std::size_t i = 0; i < n_socks; ++i) {
      if (fds[i].revents & POLLIN) on_datagram(socks_[i].first.get(), socks_[i].second);
    }
    if (in_i >= 0 && fds[static_cast<std::size_t>(in_i)].revents) client_->on_stdin_writable();
    if (out_i >= 0 && fds[static_cast<std::size_t>(out_i)].revents) client_->on_stdout_readable();
    (void)exit_i;
  }
}

std::string UdpWorld::progress() const {
  return std::to_string(received_) + " datagram(s) received by the server, " + std::to_string(answered_) +
         " answered, " + format_bytes(client_->output_total()) + " printed";
}

void UdpWorld::on_datagram(int fd, uint16_t port) {
  for (;;) {
    std::string buf(65536, '\0');
    sockaddr_storage from{};
    socklen_t len = sizeof from;
    ssize_t n = ::recvfrom(fd, buf.data(), buf.size(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 0) return;
    buf.resize(static_cast<std::size_t>(n));
    ++received_;
    if (port_used_ == 0) port_used_ = port;
    int seen = ++copies_seen_[buf];
    bool drop = play_.drop_all || seen <= play_.drop_first;
    ctx_.trace().add("server", drop ? "drop" : "recv",
                     std::to_string(n) + "-byte datagram '" + escape_preview(buf, 32) + "' (copy " +
                         std::to_string(seen) + ")" + (drop ? ", not answered" : ""));
    if (drop) continue;
    ++answered_;
    for (int k = 0; k < play_.copies; ++k) {
      ::sendto(fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
    }
    ctx_.trace().add("server", "send", "the echo" + std::string(play_.copies > 1 ? ", " + std::to_string(play_.copies) + " times" : ""));
  }
}

Step<void> udp_lines(Context& ctx, UdpWorld& w, int count, int wait_ms, const std::string& scene) {
  auto& c = w.client();
  auto rng = ctx.rng("lines");
  std::string all;
  for (int i = 1; i <= count; ++i) {
    std::string line = "datagram " + std::to_string(i) + ": " + rng.text(rng.between(8, 40)) + "\n";
    all += line;
    c.feed(line);
    w.run([&] { return c.output().size() >= all.size(); }, ctx.deadline(wait_ms));
    const auto& got = c.output();
    if (got == all) continue;
    auto& ev = ctx.evidence();
    ev["expected_stdout"] = bytes_evidence(all);
    ev["printed"] = bytes_evidence(got);
    std::string head = scene + "line " + std::to_string(i) + " of " + std::to_string(count) + " fed to stdin: ";
    if (got.size() > all.size() || got.compare(0, got.size(), all, 0, got.size()) != 0) {
      return failed(head + "the client printed '" + escape_preview(got, 120) + "', expected '" + escape_preview(all, 120) +
                    "' (" + w.progress() + ")");
    }
    std::string m = head + "its echo was not printed within " + ctx.human(wait_ms) + " (" + w.progress() + ")";
    if (!c.status().running()) return failed(m + "; the client " + c.fate_sentence());
    return timed_out(m);
  }
  return {};
}

Step<void> udp_clean_exit(Context& ctx, UdpWorld& w, const std::string& expected, const std::string& scene) {
  auto& c = w.client();
  c.close_stdin();
  w.run([] { return false; }, ctx.deadline(3000));
  auto v = c.status();
  if (c.output() != expected) {
    ctx.evidence()["printed"] = bytes_evidence(c.output());
    return failed(scene + "after stdin EOF the output is '" + escape_preview(c.output(), 160) + "', expected '" +
                  escape_preview(expected, 160) + "' (" + w.progress() + ")");
  }
  if (v.running()) return timed_out(scene + "stdin reached EOF, but the client did not exit within " + ctx.human(3000));
  if (v.kind != cell::Verdict::Kind::exited || v.exit_code != 0) {
    return failed(scene + "at stdin EOF the client " + c.fate_sentence() + " instead of exiting with 0");
  }
  return {};
}

}  // namespace sockgrade::checks
