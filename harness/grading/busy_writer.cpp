#include "grading/busy_writer.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <vector>

#include "net/observe.hpp"

namespace sockgrade::grading {
namespace {

// Bytes queued and not moving between two looks: the reader's window is closed, and a blocking
// write() that cannot add to the queue sleeps (the cell caps send buffers at 64 KiB).
constexpr uint64_t kFullQueue = 8 * 1024;
// Between looks: often enough to see many of the slow reader's 50 ms pauses.
constexpr auto kInterval = std::chrono::milliseconds(3);
constexpr int kMinRunningSamples = 5;

// The server's end of the fullest of its connections on `port`: inode and queued bytes.
struct Fullest {
  uint64_t inode = 0;
  uint64_t tx_queue = 0;
};
Fullest fullest_connection(pid_t root, uint16_t port) {
  Fullest f;
  for (const auto& row : net::tcp_table(root)) {
    if (row.state != net::kTcpEstablished || row.local.port != port || row.inode == 0) continue;
    if (row.tx_queue >= f.tx_queue) f = {row.inode, row.tx_queue};
  }
  return f;
}

}  // namespace

bool BusyWriteFindings::proven() const {
  return running_while_full >= kMinRunningSamples && running_while_full >= 2 * waiting_while_full;
}

nlohmann::json BusyWriteFindings::proof() const {
  auto j = nlohmann::json::array();
  j.push_back("seen running, and on a CPU since the look before, in " + std::to_string(running_while_full) + " of " +
              std::to_string(full_samples) + " looks while its send queue held " + std::to_string(queue_bytes) +
              " bytes, unchanged (the reader's window closed): " + std::to_string(cpu_while_full_ns / 1000000) +
              " ms of CPU that wrote nothing; blocked in a write or poll in " + std::to_string(waiting_while_full));
  if (nonblocking_fd >= 0) j.push_back("fd " + std::to_string(nonblocking_fd) + " O_NONBLOCK in /proc/PID/fdinfo");
  return j;
}

BusyWriteWatch::BusyWriteWatch(pid_t root, uint16_t port) : root_(root), port_(port), thread_([this] { run(); }) {}

BusyWriteWatch::~BusyWriteWatch() { stop(); }

BusyWriteFindings BusyWriteWatch::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  return found_;
}

void BusyWriteWatch::run() {
  std::map<uint64_t, uint64_t> last_queue;  // by inode
  // The process tree is a scan of all of /proc, slow on a busy machine: refreshed now and then
  // (a forking server's child for this connection appears once), not at every look.
  std::vector<pid_t> pids;
  int since_scan = 0;
  // The server's CPU time at the last look (its tasks' schedstat); unknown after a rescan that
  // changed the tasks.
  uint64_t last_cpu = 0;
  bool cpu_known = false;
  while (!stop_) {
    std::this_thread::sleep_for(kInterval);  // a sampling period, not a synchronisation
    ++found_.samples;
    auto conn = fullest_connection(root_, port_);
    if (conn.inode == 0) continue;
    // The server's tasks and CPU time are read only while its queue is long enough to be full
    // at the next look (a full look needs this one's queue too), not at every look.
    if (conn.tx_queue < kFullQueue) {
      cpu_known = false;
      last_queue[conn.inode] = conn.tx_queue;
      continue;
    }
    if (pids.empty() || ++since_scan >= 16) {
      auto now = net::process_tree(root_);
      if (now != pids) cpu_known = false;
      pids = std::move(now);
      since_scan = 0;
    }
    uint64_t cpu = 0;
    for (pid_t p : pids) cpu += net::cpu_time_ns(p);
    uint64_t ran_ns = cpu_known && cpu > last_cpu ? cpu - last_cpu : 0;
    last_cpu = cpu;
    cpu_known = true;
    auto& last = last_queue[conn.inode];
    bool full = conn.tx_queue >= kFullQueue && conn.tx_queue == last;
    last = conn.tx_queue;
    if (!full) continue;
    ++found_.full_samples;
    found_.queue_bytes = std::max(found_.queue_bytes, conn.tx_queue);
    // Blocked means asleep in the call: a spinning task preempted inside send() (most of a
    // MSG_DONTWAIT loop's time is in the kernel) still names send in its syscall file, and on a
    // loaded machine it is preempted often (seen: echo-server/spins-on-eagain passing next to
    // hostile/fd-exhaustion, its looks counted as "blocked in a write").
    bool running = false, waiting = false;
    for (const auto& task : net::blocked_calls(pids)) {
      auto kind = net::call_kind(task.call.nr);
      bool in_wait_call = kind == net::CallKind::write || kind == net::CallKind::poll;
      running = running || (task.readable && (kind == net::CallKind::running || task.state == 'R'));
      waiting = waiting || (in_wait_call && task.asleep());
    }
    // Runnable is not running: on a loaded machine a blocking writer woken by the reader's
    // window update waits for a CPU in state R, with its queue unchanged since it has not run
    // yet (seen: echo-server/one-byte-per-call "running" in 7 of 7 looks, at 28% of a CPU).
    // A look counts as running only if the server also had a CPU since the look before: CPU
    // time spent while the queue did not move is what a loop retrying EAGAIN spends.
    if (waiting) {
      ++found_.waiting_while_full;
    } else if (running && ran_ns > 0) {
      ++found_.running_while_full;
      found_.cpu_while_full_ns += ran_ns;
    }
    if (found_.nonblocking_fd < 0 && found_.full_samples == 1) {
      for (const auto& h : net::holders_of_socket(pids, conn.inode)) {
        if (h.nonblocking()) found_.nonblocking_fd = h.fd;
      }
    }
  }
}

}  // namespace sockgrade::grading
