#include "cell/output_capture.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>

#include "core/retry.hpp"

namespace sockgrade::cell {

OutputCapture::OutputCapture(std::size_t head_max, std::size_t tail_max)
    : head_max_(head_max), tail_max_(tail_max) {}

void OutputCapture::append(std::string_view data) {
  std::lock_guard lock(mu_);
  total_ += data.size();
  if (head_.size() < head_max_) {
    auto take = std::min(data.size(), head_max_ - head_.size());
    head_.append(data.substr(0, take));
    data.remove_prefix(take);
  }
  if (data.empty()) return;
  tail_.append(data);
  if (tail_.size() > 2 * tail_max_) tail_.erase(0, tail_.size() - tail_max_);
}

uint64_t OutputCapture::total() const {
  std::lock_guard lock(mu_);
  return total_;
}

bool OutputCapture::truncated() const {
  std::lock_guard lock(mu_);
  return total_ > head_max_ + tail_max_;
}

std::string OutputCapture::text() const {
  std::lock_guard lock(mu_);
  std::string t = tail_.size() > tail_max_ ? tail_.substr(tail_.size() - tail_max_) : tail_;
  uint64_t kept = head_.size() + t.size();
  if (kept == total_) return head_ + t;
  return head_ + "\n[… " + std::to_string(total_ - kept) + " bytes not kept …]\n" + t;
}

std::string OutputCapture::tail() const {
  std::lock_guard lock(mu_);
  std::string all = head_ + (tail_.size() > tail_max_ ? tail_.substr(tail_.size() - tail_max_) : tail_);
  if (all.size() > tail_max_) return all.substr(all.size() - tail_max_);
  return all;
}

OutputDrain::OutputDrain(Fd out, Fd err, OutputCapture& out_capture, OutputCapture& err_capture)
    : out_(std::move(out)),
      err_(std::move(err)),
      wake_(::eventfd(0, EFD_CLOEXEC)),
      out_capture_(out_capture),
      err_capture_(err_capture),
      thread_([this] { run(); }) {}

OutputDrain::~OutputDrain() { finish(0); }

void OutputDrain::finish(int grace_ms) {
  if (finished_) return;
  finished_ = true;
  {
    // Let the thread reach EOF on its own; the grace period covers a descendant that still
    // holds the pipe open after the program died.
    std::unique_lock lock(done_mu_);
    done_cv_.wait_for(lock, std::chrono::milliseconds(grace_ms), [this] { return done_; });
  }
  uint64_t one = 1;
  [[maybe_unused]] auto w = ::write(wake_.get(), &one, sizeof one);
  if (thread_.joinable()) thread_.join();
}

void OutputDrain::run() {
  char buf[65536];
  for (;;) {
    struct pollfd fds[3];
    int n = 0;
    int out_index = -1, err_index = -1;
    if (out_.valid()) {
      out_index = n;
      fds[n++] = {out_.get(), POLLIN, 0};
    }
    if (err_.valid()) {
      err_index = n;
      fds[n++] = {err_.get(), POLLIN, 0};
    }
    if (n == 0) break;
    fds[n++] = {wake_.get(), POLLIN, 0};
    if (retry_eintr([&] { return ::poll(fds, n, -1); }) < 0) break;
    if (fds[n - 1].revents) break;
    auto drain_one = [&](int index, Fd& fd, OutputCapture& capture) {
      if (index < 0 || !(fds[index].revents & (POLLIN | POLLHUP | POLLERR))) return;
      ssize_t r = retry_eintr([&] { return ::read(fd.get(), buf, sizeof buf); });
      if (r > 0) {
        capture.append(std::string_view(buf, static_cast<std::size_t>(r)));
      } else {
        fd.reset();
      }
    };
    drain_one(out_index, out_, out_capture_);
    drain_one(err_index, err_, err_capture_);
  }
  std::lock_guard lock(done_mu_);
  done_ = true;
  done_cv_.notify_all();
}

}  // namespace sockgrade::cell
