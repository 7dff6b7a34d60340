// The proof of a busy write loop (STYLE "Proof before claim"): while the server's send queue
// toward a slow reader is full and not moving, a task of the server is seen running instead of
// blocked in write() or poll(), and its CPU time grew since the look before. A blocking writer,
// however small its buffer, sleeps then (or waits for a CPU after a wakeup, without one); a
// loop that retries EAGAIN does not. Sampled from /proc in a thread of its own while the
// check's client streams.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

namespace sockgrade::grading {

struct BusyWriteFindings {
  int samples = 0;             // looks taken
  int full_samples = 0;        // the send queue held >= kFullQueue bytes, unchanged since the last look
  int running_while_full = 0;  // ... and a task of the server was running, and had a CPU since the look before
  uint64_t cpu_while_full_ns = 0;  // the server's CPU time between those looks and the ones before
  int waiting_while_full = 0;  // ... and a task was blocked in write()/send() or poll()/select()
  uint64_t queue_bytes = 0;    // the largest full queue seen
  int nonblocking_fd = -1;     // the connection's descriptor when it is O_NONBLOCK (fdinfo)
  // Proven: running while full most of the time, and seen so often enough not to be chance.
  bool proven() const;
  // The observations, as the evidence's "proof" strings.
  nlohmann::json proof() const;
};

class BusyWriteWatch {
 public:
  // Starts sampling the process tree of `root`, whose connections are to local port `port`.
  BusyWriteWatch(pid_t root, uint16_t port);
  ~BusyWriteWatch();
  BusyWriteWatch(const BusyWriteWatch&) = delete;
  BusyWriteWatch& operator=(const BusyWriteWatch&) = delete;
  // Stops sampling and returns what was seen.
  BusyWriteFindings stop();

 private:
  void run();
  pid_t root_;
  uint16_t port_;
  std::atomic<bool> stop_{false};
  BusyWriteFindings found_;
  std::thread thread_;
};

}  // namespace sockgrade::grading
