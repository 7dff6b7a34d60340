// A report built by hand, as the runner would produce it, with every status a view must
// show: two passes, a failure (with evidence, a trace and the command that reproduces it), a
// harness error, a timeout, a skipped check, and two checks the lab marks hidden (one failed,
// whose texts carry the marker kHiddenMarker so tests can prove no student view shows them).
// The golden files under reports/golden/ are rendered from it.
#pragma once

#include "report/model.hpp"

namespace sockgrade::testing {

inline constexpr const char* kHiddenMarker = "SECRET-HIDDEN";

// One long function on purpose: it is a literal, the whole report the golden files show, read
// top to bottom beside them; split, it would be harder to compare with a golden file.
inline report::Report sample_report() {
  using nlohmann::json;
  report::Report r;
  r.tool_name = "sockgrade";
  r.tool_version = "0.1.0";
  r.lab = "echo-server";
  r.lab_title = "Iterative TCP echo server";
  r.submission_id = "alice";
  r.submission_path = "/subs/alice";
  r.submission_sha256 = std::string(64, 'a');
  r.submission_kind = "sources";
  r.started_at = "2026-11-25T10:00:00Z";
  r.duration_ms = 1234;
  r.seed = 42;
  r.environment = {{"isolation",
                    {{"netns", true}, {"pidns", false}, {"userns", false}, {"cgroup", false}, {"seccomp", false},
                     {"uid_drop", true}, {"process_group", true}, {"rlimits", true}}},
                   {"kernel", "6.18.44"},
                   {"stretch", 1.0},
                   {"jobs", 1}};
  r.build.status = "ok";
  r.build.command = "cc -o server server.c";
  r.build.log = "";
  r.build.warnings = 0;
  r.build.duration_ms = 250;

  report::TestResult pass{
      .id = "basic.small-echo",
      .title = "A short line is echoed back",
      .category = "basic",
      .status = "passed",
      .score = 8,
      .max_score = 8,
      .duration_ms = 12,
      .message = "echoed 14 B exactly",
      .hint = "Read from the connected socket and write back exactly the bytes read.",
      .evidence = {{"sent", {{"bytes", 14}, {"preview", "hello, world\\n"}}}},
  };

  report::TestResult fail{
      .id = "shutdown.half-close",
      .title = "Half-close is honoured",
      .category = "shutdown",
      .status = "failed",
      .score = 0,
      .max_score = 10,
      .duration_ms = 2003,
      .message = "after the client's half-close, the server closed without echoing 64.0 KiB",
      .hint = "read() returning 0 means the client half-closed: echo what is left, then close.",
      .requirement = "The server echoes everything, then closes.",
      .repro = "sockgrade test echo-server /subs/alice --only shutdown.half-close --seed 42",
      .evidence = {{"sent", {{"bytes", 65536}, {"preview", "abc"}}},
                   {"received", {{"bytes", 0}, {"preview", ""}}},
                   {"received_end", "eof"},
                   {"proof", "the server's end of the connection was closed (FIN_WAIT2 in /proc/net/tcp) with 64.0 KiB unsent"}},
      .trace = json::array({{{"t_ms", 0.1}, {"actor", "client#1"}, {"event", "connect"}, {"detail", "to 127.0.0.1:40001"}},
                            {{"t_ms", 1.5}, {"actor", "client#1"}, {"event", "send"}, {"bytes", 65536}, {"calls", 2},
                             {"preview", "abc"}},
                            {{"t_ms", 2.0}, {"actor", "client#1"}, {"event", "half-close"}},
                            {{"t_ms", 3.0}, {"actor", "client#1"}, {"event", "eof"}}}),
  };

  report::TestResult err{
      .id = "resources.idle-cpu",
      .title = "No busy-waiting while idle",
      .category = "resources",
      .status = "error",
      .score = 0,
      .max_score = 6,
      .duration_ms = 5,
      .message = "cannot read /proc/1234/stat",
      .hint = "",
  };

  report::TestResult timeout{
      .id = "partial-io.short-writes",
      .title = "Short writes are completed (a write loop)",
      .category = "partial-io",
      .status = "timeout",
      .max_score = 5,
      .duration_ms = 2049,
      .message = "client sent 206 B; only 100 B came back, then nothing",
      .hint = "Check what write() returns and call it again for the remaining bytes.",
      .repro = "sockgrade test echo-server /subs/alice --only partial-io.short-writes --seed 42",
      // What a terminal, XML and HTML must not take literally: a tag, an ampersand, a quote,
      // escaped previews of a backslash, a NUL and non-UTF-8 bytes, a terminal escape in stderr.
      .evidence = {{"sent", {{"bytes", 206}, {"preview", "<b>&amp;\\\\\"\\x00\\xff\\xfe\\n\u2026 (+190 bytes)"}}},
                   {"received", {{"bytes", 100}, {"preview", "<b>&amp;\\\\\"\\x00"}}},
                   {"received_end", "timeout"},
                   {"program", {{"label", "server"}, {"status", "still running at the end of the check"},
                                {"stderr_tail", "warning: </pre><script>alert(1)</script> \x1b[31m"}}}},
      .trace = json::array({{{"t_ms", 15.7}, {"actor", "server"}, {"event", "start"}, {"detail", "./server 40001 (pid 2)"}},
                            {{"t_ms", 31.2}, {"actor", "server"}, {"event", "listen"}, {"detail", "0.0.0.0:40001 after 31 ms"}},
                            {{"t_ms", 46.0}, {"actor", "client"}, {"event", "connect"}, {"detail", "to 127.0.0.1:40001"}},
                            {{"t_ms", 46.1}, {"actor", "client"}, {"event", "send"}, {"bytes", 206}, {"preview", "<b>&amp;"}},
                            {{"t_ms", 46.2}, {"actor", "client"}, {"event", "recv"}, {"bytes", 100}, {"preview", "<b>&amp;"}},
                            {{"t_ms", 2048.2}, {"actor", "client"}, {"event", "timeout"}, {"detail", "waited for 206 B, got 100 B"}},
                            {{"t_ms", 2048.3}, {"actor", "client"}, {"event", "reset"}}}),
  };

  report::TestResult skipped{
      .id = "partial-io.eintr",
      .title = "Interrupted calls (EINTR) are retried",
      .category = "partial-io",
      .status = "skipped",
      .max_score = 5,
      .message = "the program is statically linked: the preload shim cannot reach its calls",
      .hint = "Retry a call that fails with EINTR.",
  };

  report::TestResult pass2{
      .id = "basic.binary",
      .title = "Binary data is echoed exactly",
      .category = "basic",
      .status = "passed",
      .score = 6,
      .max_score = 6,
      .duration_ms = 20,
      .message = "echoed 256 B exactly",
      .hint = "Use the count read() returned, never strlen().",
  };

  std::string marker = kHiddenMarker;
  report::TestResult hidden_fail{
      .id = "sigpipe.peer-vanishes",
      .title = "Survives a client that vanishes " + marker,
      .category = "sigpipe",
      .status = "failed",
      .max_score = 4,
      .duration_ms = 300,
      .message = "the server was killed by SIGPIPE " + marker,
      .hint = "Ignore SIGPIPE " + marker,
      .hidden = true,
      .repro = "sockgrade test echo-server /subs/alice --only sigpipe.peer-vanishes --seed 42",
      .evidence = {{"sent", {{"bytes", 3}, {"preview", marker}}}},
      .trace = json::array({{{"t_ms", 1.0}, {"actor", "client#1"}, {"event", "connect"}, {"detail", marker}}}),
  };

  report::TestResult hidden_pass{
      .id = "connect-accept.queued-while-busy",
      .title = "Clients queued while busy are served " + marker,
      .category = "connect-accept",
      .status = "passed",
      .score = 5,
      .max_score = 5,
      .duration_ms = 40,
      .message = "served 3 queued clients " + marker,
      .hint = "listen() with a backlog " + marker,
      .hidden = true,
  };

  r.tests = {pass, fail, err, timeout, skipped, pass2, hidden_fail, hidden_pass};
  // The weights are the max_scores above; the harness error then counts for nothing (19/43).
  for (auto& t : r.tests) {
    t.weight = t.max_score;
    report::settle(t);
  }
  report::total(r);
  return r;
}

// The sample as after a build that failed, writing `log`: every view must say so, once.
inline report::Report sample_report_with_failed_build(const std::string& log) {
  auto r = sample_report();
  r.build.status = "failed";
  r.build.message = "the build failed (exit status 1)";
  r.build.log = log;
  return r;
}

}  // namespace sockgrade::testing
