// The udp-echo-client lab (BRIEF §2, connectionless): the harness plays the UDP echo server, in
// the cell, with exact control of which datagram it loses or answers twice. Contract
// (labs/udp-echo-client.md): each line of stdin goes out as one datagram; its echo is printed
// once; a lost datagram is sent again after at most 1 s; a duplicated or stale reply is not
// printed; at stdin EOF the client exits 0, and after 5 unanswered tries it gives up with a
// message and a non-zero status.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cstring>
#include <functional>
#include <map>

#include "grading/client_session.hpp"
#include "checks/catalogue.hpp"
#include "grading/verify.hpp"
#include "core/bytes.hpp"
#include "core/retry.hpp"
#include "core/strings.hpp"

namespace sockgrade::checks {
namespace {

// What the harness's UDP server does with each datagram.
struct UdpPlay {
  int drop_first = 0;      // the first N copies of each distinct datagram get no answer
  bool drop_all = false;   // nothing is ever answered
  int copies = 1;          // each answer is sent this many times
};

class UdpWorld {
 public:
  UdpWorld(Context& ctx, UdpPlay play) : ctx_(ctx), play_(play) {}

  Step<void> listen() {
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

  Step<ClientUnderTest*> start() {
    SG_TRY(auto c, ClientUnderTest::spawn(ctx_, "127.0.0.1", requested_port_, "client", {}));
    client_ = ctx_.adopt_client(std::move(c));
    return client_;
  }
  ClientUnderTest& client() { return *client_; }
  uint16_t requested_port() const { return requested_port_; }
  uint16_t port_used() const { return port_used_; }
  int received() const { return received_; }
  int answered() const { return answered_; }

  // Moves bytes until `done()`, the client's exit (stdout at EOF), or the deadline.
  bool run(const std::function<bool()>& done, Deadline deadline) {
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

  std::string progress() const {
    return std::to_string(received_) + " datagram(s) received by the server, " + std::to_string(answered_) +
           " answered, " + format_bytes(client_->output_total()) + " printed";
  }

 private:
  void on_datagram(int fd, uint16_t port) {
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

// After the lines: stdin EOF, then the client exits 0 with nothing more printed.
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

Outcome udp_client_lines(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    UdpWorld w(ctx, {});
    SG_CHECK(w.listen());
    SG_CHECK(w.start());
    SG_CHECK(udp_lines(ctx, w, 3, 3000, ""));
    return udp_clean_exit(ctx, w, w.client().output(), "3 lines echoed: ");
  };
  return conclude(steps(), "3 lines went out as datagrams, each echo was printed, and the client exited 0 at EOF");
}

Outcome udp_client_argv(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    UdpWorld w(ctx, {});
    SG_CHECK(w.listen());
    SG_TRY(auto* c, w.start());
    c->feed("which port?\n");
    w.run([&] { return w.received() > 0; }, ctx.deadline(3000));
    std::string started = "the client was started as ./client 127.0.0.1 " + std::to_string(w.requested_port());
    if (w.received() == 0) return timed_out(started + " and sent no datagram within " + ctx.human(3000));
    if (w.port_used() != w.requested_port()) {
      return failed(started + " but sent to port " + std::to_string(w.port_used()) + " (the default): it ignores its arguments");
    }
    return {};
  };
  return conclude(steps(), "the client sent to the host and port given on its command line");
}

Outcome udp_client_retries(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    UdpPlay play;
    play.drop_first = 1;
    UdpWorld w(ctx, play);
    SG_CHECK(w.listen());
    SG_CHECK(w.start());
    const std::string scene = "the server loses the first copy of every datagram; ";
    SG_CHECK(udp_lines(ctx, w, 2, 4000, scene));
    return udp_clean_exit(ctx, w, w.client().output(), scene);
  };
  return conclude(steps(), "every lost datagram was sent again and its echo printed once");
}

Outcome udp_client_duplicates(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    UdpPlay play;
    play.copies = 2;
    UdpWorld w(ctx, play);
    SG_CHECK(w.listen());
    SG_CHECK(w.start());
    const std::string scene = "the server answers every datagram twice; ";
    SG_CHECK(udp_lines(ctx, w, 3, 3000, scene));
    return udp_clean_exit(ctx, w, w.client().output(), scene);
  };
  return conclude(steps(), "each echo, duplicated by the server, was printed once");
}

Outcome udp_client_gives_up(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    UdpPlay play;
    play.drop_all = true;
    UdpWorld w(ctx, play);
    SG_CHECK(w.listen());
    SG_TRY(auto* c, w.start());
    c->feed("is anybody there?\n");
    w.run([] { return false; }, ctx.deadline(9000));
    const std::string scene = "the server never answers: ";
    auto v = c->status();
    ctx.evidence()["datagrams_sent"] = w.received();
    c->program().finish_output(500);
    if (v.running()) {
      return timed_out(scene + "after " + std::to_string(w.received()) + " datagram(s) and " + ctx.human(9000) +
                       " the client still waits: give up after 5 tries");
    }
    if (v.kind != cell::Verdict::Kind::exited || v.exit_code == 0) {
      return failed(scene + "the client " + c->fate_sentence() + "; it must give up with a non-zero status");
    }
    if (trim(c->stderr_text()).empty()) return failed(scene + "the client gave up without a word on stderr");
    if (w.received() < 2) return failed(scene + "the client gave up without sending the datagram again");
    return {};
  };
  return conclude(steps(), "with no answer the client retried, then gave up with a message and a non-zero status");
}

CheckInfo info(std::string id, std::string title, std::string requirement, std::string hint, int typical_ms) {
  CheckInfo i;
  i.id = std::move(id);
  i.category = i.id.substr(0, i.id.find('.'));
  i.title = std::move(title);
  i.requirement = std::move(requirement);
  i.hint = std::move(hint);
  i.role = "client";
  i.budget_ms = 20000;
  i.typical_ms = typical_ms;
  return i;
}

}  // namespace

std::vector<CheckDef> udp_client_checks() {
  return {
      {info("basic.udp-client-lines", "Each line goes out as a datagram and its echo is printed",
            "One datagram per line of stdin; the echo printed once; exit 0 at stdin EOF.",
            "sendto() the line, recvfrom() the reply, print exactly the bytes received.", 200),
       udp_client_lines},
      {info("connect-accept.udp-client-argv", "Sends to the HOST and PORT given on the command line",
            "./client HOST PORT sends its datagrams to HOST:PORT.",
            "Take the host from argv[1] and the port from argv[2], the defaults only when they are missing.", 100),
       udp_client_argv},
      {info("robustness.udp-client-retries", "A lost datagram is sent again",
            "UDP may lose a datagram: without an echo within 1 s, the client sends the line again.",
            "Wait for the reply with a timeout (poll() or SO_RCVTIMEO), and on timeout send the same datagram "
            "again.", 2500),
       udp_client_retries},
      {info("robustness.udp-client-duplicates", "A duplicated reply is printed once",
            "UDP may deliver a datagram twice: the client prints each echo once and ignores a reply that does not "
            "answer the line it is waiting for.",
            "Compare each reply with the line sent and ignore the others (a late duplicate of an earlier echo).", 300),
       udp_client_duplicates},
      {info("robustness.udp-client-gives-up", "Without any answer, the client gives up with a message",
            "After 5 tries without an answer the client reports it on stderr and exits non-zero.",
            "Count the tries; after the last timeout print the reason and exit(1).", 6000),
       udp_client_gives_up},
  };
}

}  // namespace sockgrade::checks
