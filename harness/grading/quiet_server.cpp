#include "grading/quiet_server.hpp"

#include <optional>
#include <string>

#include "core/clock.hpp"
#include "net/observe.hpp"

namespace sockgrade::grading {
namespace {

// How long the server must be seen unchanged, and idle, before its silence counts as final.
constexpr Millis kUnchangedFor{100};

class ServerWaitingForInput : public net::QuietWitness {
 public:
  ServerWaitingForInput(pid_t root, uint16_t port) : root_(root), port_(port) {}

  void restart() override { first_.reset(); }

  std::optional<std::string> observe(const net::Peer& peer) override {
    auto look = waiting(peer);
    auto now = Clock::now();
    if (!look) {
      first_.reset();
      return std::nullopt;
    }
    if (!first_ || first_->cpu_ns != look->cpu_ns) {
      first_ = Seen{now, look->cpu_ns};
      return std::nullopt;
    }
    if (now - first_->at < kUnchangedFor) return std::nullopt;
    return look->sentence;
  }

 private:
  struct Look {
    uint64_t cpu_ns = 0;
    std::string sentence;
  };
  struct Seen {
    Clock::time_point at;
    uint64_t cpu_ns = 0;
  };

  std::optional<Look> waiting(const net::Peer& peer) const {
    if (peer.unread() != 0 || peer.unacked() != 0) return std::nullopt;
    auto rows = net::tcp_table(root_);
    // The server's end of this connection: accepted (inode 0: still in the accept queue, not yet
    // the server's to read), all it sent has arrived, all it got has been read.
    const auto* theirs = net::connection_row(rows, port_, peer.local().port);
    if (!theirs || theirs->inode == 0 || theirs->rx_queue != 0 || theirs->tx_queue != 0) return std::nullopt;
    auto pids = net::process_tree(root_);
    if (pids.empty()) return std::nullopt;
    int in_read = 0, in_accept = 0;
    for (const auto& task : net::blocked_calls(pids)) {
      if (!task.readable) return std::nullopt;
      switch (net::call_kind(task.call.nr)) {
        case net::CallKind::accept:
          ++in_accept;
          break;
        case net::CallKind::read: {
          // Only a socket with nothing to read: a pipe or a file may be about to answer.
          auto inode = net::socket_inode_of(task.pid, static_cast<int>(task.call.arg0));
          if (!inode) return std::nullopt;
          bool empty = false;
          for (const auto& row : rows) empty = empty || (row.inode == *inode && row.rx_queue == 0);
          if (!empty) return std::nullopt;
          ++in_read;
          break;
        }
        default:
          return std::nullopt;
      }
    }
    Look look;
    for (pid_t p : pids) look.cpu_ns += net::cpu_time_ns(p);
    auto tasks = [](int n, const char* call) {
      return std::to_string(n) + (n == 1 ? " task" : " tasks") + " in " + call;
    };
    std::string where = in_read > 0 && in_accept > 0 ? tasks(in_read, "read()") + " and " + tasks(in_accept, "accept()")
                        : in_read > 0                ? tasks(in_read, "read()")
                                                     : tasks(in_accept, "accept()");
    look.sentence = "the server has read every byte sent on this connection and sleeps (" + where +
                    ", nothing to read, no CPU used for " + std::to_string(kUnchangedFor.count()) + " ms)";
    return look;
  }

  pid_t root_;
  uint16_t port_;
  std::optional<Seen> first_;
};

}  // namespace

std::shared_ptr<net::QuietWitness> server_waiting_for_input(pid_t root, uint16_t port) {
  return std::make_shared<ServerWaitingForInput>(root, port);
}

}  // namespace sockgrade::grading
