#include "grading/client_under_test.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <filesystem>

#include "cell/fate.hpp"
#include "grading/context.hpp"
#include "core/retry.hpp"

namespace sockgrade::grading {
namespace {

constexpr std::size_t kOutputKept = 64u << 20;

std::vector<std::string> expand_argv(const std::vector<std::string>& tmpl, const std::string& host, uint16_t port) {
  std::vector<std::string> out;
  for (auto arg : tmpl) {
    for (auto [key, value] : {std::pair<std::string, std::string>{"{host}", host}, {"{port}", std::to_string(port)}}) {
      for (auto pos = arg.find(key); pos != std::string::npos; pos = arg.find(key, pos + value.size())) {
        arg.replace(pos, key.size(), value);
      }
    }
    out.push_back(arg);
  }
  return out;
}

Result<std::pair<Fd, Fd>> cloexec_pipe() {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return unexpected(errno_error("pipe2"));
  return std::pair<Fd, Fd>{Fd(p[0]), Fd(p[1])};
}

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

}  // namespace

Step<std::unique_ptr<ClientUnderTest>> ClientUnderTest::spawn(Context& ctx, const std::string& host, uint16_t port,
                                                              std::string label, const ClientOptions& options) {
  auto in = cloexec_pipe();
  auto out = cloexec_pipe();
  if (!in || !out) return harness_error("cannot make the client's stdin/stdout pipes");
  auto spec = launch_spec(ctx, expand_argv(ctx.lab().run.argv, host, port));
  spec.stdin_fd = in->first.get();
  spec.stdout_fd = out->second.get();
  std::unique_ptr<ClientUnderTest> c(new ClientUnderTest());
  c->trace_ = &ctx.trace();
  SG_CHECK(c->start(ctx, spec, std::move(label), options.shim));
  // The program holds its ends now; ours must not keep them open (EOF would never come).
  c->stdin_ = std::move(in->second);
  c->stdout_ = std::move(out->first);
  set_nonblocking(c->stdin_.get());
  set_nonblocking(c->stdout_.get());
  return c;
}

void ClientUnderTest::feed(std::string_view bytes) {
  if (pending_off_ > 0 && pending_off_ == pending_.size()) {
    pending_.clear();
    pending_off_ = 0;
  }
  pending_.append(bytes);
}

void ClientUnderTest::close_stdin() {
  closing_ = true;
  if (queued() == 0) {
    stdin_.reset();
    trace_->add(label_ + " stdin", "eof", "stdin closed after " + std::to_string(stdin_written_) + " bytes");
  }
}

std::size_t ClientUnderTest::on_stdin_writable() {
  std::size_t total = 0;
  while (stdin_.valid() && queued() > 0) {
    std::size_t n = std::min<std::size_t>(queued(), 1 << 16);
    ssize_t w = retry_eintr([&] { return ::write(stdin_.get(), pending_.data() + pending_off_, n); });
    if (w <= 0) {
      // EAGAIN: the pipe is full; EPIPE: the program is gone (or closed its stdin).
      if (w < 0 && errno != EAGAIN) {
        stdin_.reset();
        trace_->add(label_ + " stdin", "close", "the program no longer reads its stdin (" +
                                                    std::to_string(queued()) + " bytes not delivered)");
      }
      break;
    }
    trace_->data(label_ + " stdin", "send", std::string_view(pending_).substr(pending_off_, static_cast<std::size_t>(w)));
    pending_off_ += static_cast<std::size_t>(w);
    stdin_written_ += static_cast<uint64_t>(w);
    total += static_cast<std::size_t>(w);
  }
  if (closing_ && stdin_.valid() && queued() == 0) close_stdin();
  return total;
}

uint64_t ClientUnderTest::stdin_consumed() const {
  int in_pipe = 0;
  if (!stdin_.valid() || ::ioctl(stdin_.get(), FIONREAD, &in_pipe) != 0) return stdin_written_;
  return stdin_written_ - std::min<uint64_t>(stdin_written_, static_cast<uint64_t>(in_pipe));
}

void ClientUnderTest::close_stdout_reader() {
  if (!stdout_.valid()) return;
  stdout_.reset();
  trace_->add(label_ + " stdout", "close", "the reader of stdout left after " + std::to_string(output_total_) +
                                               " bytes (as `| head -c` does)");
}

std::size_t ClientUnderTest::on_stdout_readable() {
  std::size_t total = 0;
  char buf[65536];
  while (stdout_.valid()) {
    ssize_t r = retry_eintr([&] { return ::read(stdout_.get(), buf, sizeof buf); });
    if (r < 0 && errno == EAGAIN) break;
    if (r <= 0) {
      stdout_.reset();
      trace_->add(label_ + " stdout", "eof", std::to_string(output_total_) + " bytes printed in all");
      break;
    }
    std::string_view got(buf, static_cast<std::size_t>(r));
    trace_->data(label_ + " stdout", "recv", got);
    if (output_.size() < kOutputKept) output_.append(got.substr(0, kOutputKept - output_.size()));
    output_total_ += static_cast<uint64_t>(r);
    total += static_cast<std::size_t>(r);
  }
  return total;
}

}  // namespace sockgrade::grading
