// Bounded capture of a program's stdout or stderr: the head and the tail are kept, the middle
// is counted. The drain reads all the time, so a chatty program never blocks on a full pipe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "core/fd.hpp"

namespace sockgrade::cell {

class OutputCapture {
 public:
  explicit OutputCapture(std::size_t head_max = 16 * 1024, std::size_t tail_max = 16 * 1024);
  void append(std::string_view data);
  uint64_t total() const;
  bool truncated() const;
  // Head and tail joined by "[… N bytes not kept …]" when truncated.
  std::string text() const;
  // The last bytes only (at most tail_max), for "stderr tail" evidence.
  std::string tail() const;

 private:
  mutable std::mutex mu_;
  std::size_t head_max_, tail_max_;
  std::string head_;
  std::string tail_;  // ring kept linear: trimmed from the front when it grows past 2×tail_max
  uint64_t total_ = 0;
};

// One thread that drains a program's stdout and stderr pipes into captures until both reach
// EOF or stop() is called.
class OutputDrain {
 public:
  OutputDrain(Fd out, Fd err, OutputCapture& out_capture, OutputCapture& err_capture);
  ~OutputDrain();
  // Waits up to `grace_ms` for EOF on both pipes (after the program died), then stops.
  void finish(int grace_ms);

 private:
  void run();
  Fd out_, err_, wake_;
  OutputCapture& out_capture_;
  OutputCapture& err_capture_;
  std::mutex done_mu_;
  std::condition_variable done_cv_;
  bool done_ = false;  // both pipes reached EOF
  bool finished_ = false;
  std::thread thread_;  // last: starts after every member above exists
};

}  // namespace sockgrade::cell
