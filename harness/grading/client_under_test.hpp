// The student's program started as a client in the cell (the counterpart of ServerUnderTest):
// spawned with the lab's argv for HOST and PORT, its stdin fed from a queue through a
// non-blocking pipe, its stdout read in full (the checks compare it byte for byte), its stderr
// and exit observed like a server's.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cell/program.hpp"
#include "grading/check.hpp"
#include "grading/context.hpp"
#include "grading/program_under_test.hpp"
#include "faults/shim.hpp"

namespace sockgrade::grading {

class Context;

struct ClientOptions {
  std::optional<faults::ShimConfig> shim;  // load the preload shim with this configuration
};

class ClientUnderTest : public ProgramUnderTest {
 public:
  // Spawns the program with the lab's argv ({host}, {port} expanded).
  static Step<std::unique_ptr<ClientUnderTest>> spawn(Context& ctx, const std::string& host, uint16_t port,
                                                      std::string label, const ClientOptions& options);


  // stdin: bytes queued here are written by on_stdin_writable() as the pipe takes them; after
  // close_stdin() the pipe is closed once the queue is empty (the program then reads EOF).
  void feed(std::string_view bytes);
  void close_stdin();
  int stdin_fd() const { return stdin_.get(); }  // -1 once closed
  bool wants_stdin_write() const { return stdin_.valid() && (queued() > 0 || closing_); }
  // Writes what the pipe takes now; returns the number of bytes written.
  std::size_t on_stdin_writable();
  uint64_t stdin_written() const { return stdin_written_; }
  // What the program has read from its stdin: written minus what still sits in the pipe.
  uint64_t stdin_consumed() const;
  std::size_t queued() const { return pending_.size() - pending_off_; }
  bool stdin_closed() const { return !stdin_.valid(); }

  // stdout: everything the program printed (up to 64 MiB kept), and whether it reached EOF.
  int stdout_fd() const { return stdout_.get(); }  // -1 at EOF
  std::size_t on_stdout_readable();
  const std::string& output() const { return output_; }
  // Closes the harness's end of the stdout pipe, as `| head -c N` does once it has N bytes: the
  // program's next write to stdout fails with EPIPE (and raises SIGPIPE).
  void close_stdout_reader();
  uint64_t output_total() const { return output_total_; }
  bool output_eof() const { return !stdout_.valid(); }
  std::string stderr_text() const { return program_->stderr_capture().text(); }

 private:
  Fd stdin_, stdout_;
  std::string pending_;
  std::size_t pending_off_ = 0;
  bool closing_ = false;
  uint64_t stdin_written_ = 0;
  std::string output_;
  uint64_t output_total_ = 0;
  net::Trace* trace_ = nullptr;
};

}  // namespace sockgrade::grading
