// The udp-echo-server lab (BRIEF §2, connectionless): every datagram comes back whole, as one
// datagram, to the address it came from; several senders at once; empty and garbage datagrams
// change nothing. UDP on loopback loses nothing here: every datagram is awaited in turn.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cstring>

#include "grading/context.hpp"
#include "checks/catalogue.hpp"
#include "grading/server_under_test.hpp"
#include "grading/verify.hpp"
#include "core/bytes.hpp"
#include "core/retry.hpp"

namespace sockgrade::checks {
namespace {

constexpr std::size_t kMaxDatagram = 65507;  // 65535 - 8 (UDP) - 20 (IPv4)

// A scripted UDP client: one socket bound to an ephemeral loopback port.
class UdpPeer {
 public:
  static Step<UdpPeer> open(Context& ctx, std::string name) {
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
  const std::string& name() const { return name_; }

  Step<void> send(std::string_view bytes) {
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

  // The next datagram (its full length, even if longer than 64 KiB can hold), or nothing by the
  // deadline.
  std::optional<std::string> receive(Deadline deadline) {
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

 private:
  Context* ctx_ = nullptr;
  std::string name_;
  Fd fd_;
};

// Sends `msg` from `peer` and expects exactly it back, as one datagram.
Step<void> udp_round_trip(Context& ctx, UdpPeer& peer, std::string_view msg, int base_ms = 2000) {
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

Outcome datagram_sizes(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    SG_CHECK(ctx.start_server());
    SG_TRY(auto peer, UdpPeer::open(ctx, "client"));
    auto rng = ctx.rng("datagrams");
    for (std::size_t size : {std::size_t{1}, std::size_t{2}, std::size_t{100}, std::size_t{101}, std::size_t{512},
                             std::size_t{1472}, std::size_t{1473}, std::size_t{8192}, kMaxDatagram}) {
      SG_CHECK(udp_round_trip(ctx, peer, rng.bytes(size)));
    }
    return {};
  };
  return conclude(steps(), "datagrams of 1 to 65507 bytes each came back whole, one datagram for one");
}

Outcome several_senders(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    SG_CHECK(ctx.start_server());
    std::vector<UdpPeer> peers;
    for (int i = 1; i <= 4; ++i) {
      SG_TRY(auto p, UdpPeer::open(ctx, "client#" + std::to_string(i)));
      peers.push_back(std::move(p));
    }
    for (int round = 1; round <= 3; ++round) {
      std::vector<std::string> sent;
      for (auto& p : peers) {
        sent.push_back(p.name() + ", round " + std::to_string(round) + "\n");
        SG_CHECK(p.send(sent.back()));
      }
      for (std::size_t i = 0; i < peers.size(); ++i) {
        auto got = peers[i].receive(ctx.deadline(2000));
        if (got && *got == sent[i]) continue;
        ctx.evidence()["round"] = round;
        ctx.evidence()["sent"] = bytes_evidence(sent[i]);
        std::string also;
        for (std::size_t j = 0; j < peers.size(); ++j) {
          if (j == i) continue;
          while (auto extra = peers[j].receive(Deadline::after(Millis(0)))) {
            if (*extra == sent[i]) also = peers[j].name();
          }
        }
        std::string head = "4 clients sent a datagram each (round " + std::to_string(round) + "): ";
        if (!also.empty()) {
          return failed(head + "the reply to " + peers[i].name() + " went to " + also +
                        ": reply to the address recvfrom() returned for each datagram, not to a saved one");
        }
        if (!got) {
          SG_CHECK(ctx.server().expect_alive("while 4 clients were sending"));
          return timed_out(head + peers[i].name() + " got no reply within " + ctx.human(2000));
        }
        ctx.evidence()["received"] = bytes_evidence(*got);
        return failed(head + peers[i].name() + " got '" + escape_preview(*got, 40) + "' instead of its own datagram");
      }
    }
    return {};
  };
  return conclude(steps(), "4 clients sending at once each got exactly their own datagrams back, 3 rounds");
}

Outcome empty_and_garbage(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    SG_TRY(auto* srv, ctx.start_server());
    SG_TRY(auto odd, UdpPeer::open(ctx, "client#1"));
    SG_CHECK(odd.send(""));
    SG_CHECK(odd.send(ctx.rng("garbage").bytes(3000)));
    SG_CHECK(odd.send(std::string(8, '\0')));
    SG_TRY(auto next, UdpPeer::open(ctx, "client#2"));
    SG_CHECK(in_context(udp_round_trip(ctx, next, "still there after an empty datagram and garbage?\n"),
                        "client#1 sent an empty datagram, 3000 random bytes and 8 NUL bytes; then "));
    return srv->expect_alive("after the empty and garbage datagrams");
  };
  return conclude(steps(), "an empty datagram and binary garbage changed nothing: the next client was answered");
}

CheckInfo info(std::string id, std::string title, std::string requirement, std::string hint) {
  CheckInfo i;
  i.id = std::move(id);
  i.category = i.id.substr(0, i.id.find('.'));
  i.title = std::move(title);
  i.requirement = std::move(requirement);
  i.hint = std::move(hint);
  i.role = "server";
  i.budget_ms = 15000;
  return i;
}

}  // namespace

std::vector<CheckDef> udp_checks() {
  return {
      {info("basic.udp-datagram-sizes", "Datagrams from 1 to 65507 bytes come back whole",
            "Each datagram is echoed as one datagram with the same bytes: boundaries are kept.",
            "One recvfrom() returns one whole datagram, cut to the buffer's size: use a buffer of 65507 bytes "
            "(or more) and send back exactly the n bytes received, with one sendto()."),
       datagram_sizes},
      {info("concurrency.udp-several-senders", "Each reply goes to its own sender, several clients at once",
            "A reply goes to the address the datagram came from, whoever sent before.",
            "Pass the address recvfrom() filled in (and its length) to sendto() for every datagram; never "
            "reuse the first client's address."),
       several_senders},
      {info("robustness.udp-empty-and-garbage", "Empty and garbage datagrams are survived",
            "A 0-byte datagram and binary garbage neither stop nor confuse the server.",
            "recvfrom() returning 0 is an empty datagram, not an end of anything (UDP has no connection to "
            "close); echo it or ignore it, and go on."),
       empty_and_garbage},
  };
}

}  // namespace sockgrade::checks
