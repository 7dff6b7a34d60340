// The witness that ends a wait early must say "no more will come" only when that is certain: for
// a server that read everything and sleeps in read() or accept(); never for one that is slow on
// purpose, waits in poll(), or reads something else than a socket.
#include "grading/quiet_server.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "net/peer.hpp"
#include "support/loopback_server.hpp"

namespace sockgrade::grading {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

const std::string kMessage = "hello, are you there?\n";

enum class After {
  read_again,         // reads the message, never answers, blocks in read() on the connection
  accept_again,       // reads the message, keeps the connection, blocks in accept()
  echo_after_a_pause, // a slow but correct server: sleeps 300 ms, then echoes
  poll_forever,       // reads the message, then waits in poll() (which could have a timeout)
  read_a_pipe,        // reads the message, then waits in read() on a pipe
  eof_then_accept,    // reads until EOF, keeps the connection open, blocks in accept()
  eof_then_close,     // reads until EOF, then closes: the client sees EOF
};

// The child's calls block forever or fail; their results tell nothing.
void ignore(ssize_t) {}

// A one-connection server in a process of its own (the witness looks at a process tree).
class ChildServer {
 public:
  explicit ChildServer(After after) {
    Fd listener = testing::bound_loopback_socket(AF_INET, &port_);
    if (!listener || ::listen(listener.get(), 4) != 0) throw std::runtime_error("listen");
    pid_ = ::fork();
    if (pid_ == 0) serve(listener.get(), after);
  }
  ~ChildServer() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  pid_t pid() const { return pid_; }
  uint16_t port() const { return port_; }
  net::Endpoint endpoint() const {
    net::Endpoint e;
    e.family = AF_INET;
    e.address = "127.0.0.1";
    e.port = port_;
    return e;
  }

 private:
  [[noreturn]] static void serve(int listener, After after) {
    int c = ::accept(listener, nullptr, nullptr);
    char buf[4096];
    std::size_t got = 0;
    bool until_eof = after == After::eof_then_accept || after == After::eof_then_close;
    for (;;) {
      ssize_t n = ::read(c, buf + got % sizeof buf, sizeof buf - got % sizeof buf);
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
      if (!until_eof && got >= kMessage.size()) break;
    }
    int p[2];
    switch (after) {
      case After::read_again:
        for (;;) ignore(::read(c, buf, sizeof buf));
      case After::accept_again:
      case After::eof_then_accept:
        for (;;) ::accept(listener, nullptr, nullptr);
      case After::echo_after_a_pause: {
        timespec pause{0, 300 * 1000 * 1000};
        ::nanosleep(&pause, nullptr);
        ignore(::write(c, kMessage.data(), kMessage.size()));
        for (;;) ignore(::read(c, buf, sizeof buf));
      }
      case After::poll_forever:
        for (;;) ::poll(nullptr, 0, -1);
      case After::read_a_pipe:
        if (::pipe(p) != 0) ::_exit(1);
        for (;;) ignore(::read(p[0], buf, sizeof buf));
      case After::eof_then_close:
        ::close(c);
        for (;;) ::pause();
    }
    ::_exit(0);
  }

  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

net::Peer connect_watched(const ChildServer& server, net::Trace& trace) {
  auto p = net::Peer::connect(server.endpoint(), "client", trace, Deadline::after(30s));
  if (!p.ok()) throw std::runtime_error(p.error().message);
  p->watch_other_side(server_waiting_for_input(server.pid(), server.port()));
  return std::move(p).value();
}

// Sends the message to a fresh server that behaves as `after` and waits for its echo, giving up
// after `stall` without progress.
net::Received echo_from(After after, Millis stall) {
  ChildServer server(after);
  net::Trace trace;
  auto peer = connect_watched(server, trace);
  return peer.exchange(kMessage, kMessage.size(), stall, Deadline::after(60s));
}

// Sends the message, half-closes, and waits for the server to close.
net::Received close_from(After after) {
  ChildServer server(after);
  net::Trace trace;
  auto peer = connect_watched(server, trace);
  if (peer.send(kMessage, Deadline::after(30s)).end != net::End::complete || !peer.half_close()) {
    throw std::runtime_error("could not send and half-close");
  }
  return peer.receive_until_eof(Deadline::after(60s));
}

TEST(ServerWaitingForInput, EndsTheWaitForAServerThatReadEverythingAndSleepsInRead) {
  auto got = echo_from(After::read_again, 30000ms);
  EXPECT_EQ(got.end, net::End::timeout);
  EXPECT_THAT(got.stopped, HasSubstr("1 task in read()"));
  EXPECT_THAT(got.describe(), HasSubstr("nothing more will arrive"));
}

TEST(ServerWaitingForInput, EndsTheWaitForAServerBackInAccept) {
  ChildServer server(After::accept_again);
  net::Trace trace;
  auto peer = connect_watched(server, trace);
  ASSERT_EQ(peer.send(kMessage, Deadline::after(30s)).end, net::End::complete);
  auto got = peer.receive(kMessage.size(), Deadline::after(60s));
  EXPECT_EQ(got.end, net::End::timeout);
  EXPECT_THAT(got.stopped, HasSubstr("1 task in accept()"));
}

TEST(ServerWaitingForInput, WaitsForASlowButCorrectServer) {
  auto got = echo_from(After::echo_after_a_pause, 30000ms);
  EXPECT_EQ(got.end, net::End::complete);
  EXPECT_EQ(got.bytes, kMessage);
  EXPECT_TRUE(got.stopped.empty());
}

TEST(ServerWaitingForInput, ProvesNothingForAServerInPollOrReadingAPipe) {
  for (After after : {After::poll_forever, After::read_a_pipe}) {
    auto got = echo_from(after, 1500ms);
    EXPECT_EQ(got.end, net::End::timeout);
    EXPECT_TRUE(got.stopped.empty()) << got.stopped;
  }
}

TEST(ServerWaitingForInput, EndsTheWaitForACloseThatWillNotComeAfterEof) {
  auto got = close_from(After::eof_then_accept);
  EXPECT_EQ(got.end, net::End::timeout);
  EXPECT_THAT(got.stopped, HasSubstr("accept()"));
}

TEST(ServerWaitingForInput, LetsAServerThatClosesAfterEofClose) {
  EXPECT_EQ(close_from(After::eof_then_close).end, net::End::eof);
}

}  // namespace
}  // namespace sockgrade::grading
