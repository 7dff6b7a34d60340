// A report built by hand, as the runner would produce it, with every status a view must
// show: two passes, a failure (with evidence, a trace and the command that reproduces it), a
// harness error, a timeout, a skipped check, and two checks the lab marks hidden (one failed,
// whose texts carry the marker kHiddenMarker so tests can prove no student view shows them).
// The golden files under reports/golden/ are rendered from it.
#pragma once

#include "report/model.hpp"

namespace sockgrade::testing {

inline constexpr const char* kHiddenMarker = "SECRET-HIDDEN";

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

  report::TestResult pass;
  pass.id = "basic.small-echo";
  pass.title = "A short line is echoed back";
  pass.category = "basic";
  pass.status = "passed";
  pass.score = 8;
  pass.max_score = 8;
  pass.duration_ms = 12;
  pass.message = "echoed 14 B exactly";
  pass.hint = "Read from the connected socket and write back exactly the bytes read.";
  pass.evidence = {{"sent", {{"bytes", 14}, {"preview", "hello, world\\n"}}}};

  report::TestResult fail;
  fail.id = "shutdown.half-close";
  fail.title = "Half-close is honoured";
  fail.category = "shutdown";
  fail.status = "failed";
  fail.score = 0;
  fail.max_score = 10;
  fail.duration_ms = 2003;
  fail.message = "after the client's half-close, the server closed without echoing 64.0 KiB";
  fail.hint = "read() returning 0 means the client half-closed: echo what is left, then close.";
  fail.requirement = "The server echoes everything, then closes.";
  fail.repro = "sockgrade test echo-server /subs/alice --only shutdown.half-close --seed 42";
  fail.evidence = {{"sent", {{"bytes", 65536}, {"preview", "abc"}}},
                   {"received", {{"bytes", 0}, {"preview", ""}}},
                   {"received_end", "eof"},
                   {"proof", "the server's end of the connection was closed (FIN_WAIT2 in /proc/net/tcp) with 64.0 KiB unsent"}};
  fail.trace = json::array({{{"t_ms", 0.1}, {"actor", "client#1"}, {"event", "connect"}, {"detail", "to 127.0.0.1:40001"}},
                            {{"t_ms", 1.5}, {"actor", "client#1"}, {"event", "send"}, {"bytes", 65536}, {"calls", 2},
                             {"preview", "abc"}},
                            {{"t_ms", 2.0}, {"actor", "client#1"}, {"event", "half-close"}},
                            {{"t_ms", 3.0}, {"actor", "client#1"}, {"event", "eof"}}});

  report::TestResult err;
  err.id = "resources.idle-cpu";
  err.title = "No busy-waiting while idle";
  err.category = "resources";
  err.status = "error";
  err.score = 0;
  err.max_score = 6;
  err.duration_ms = 5;
  err.message = "cannot read /proc/1234/stat";
  err.hint = "";

  report::TestResult timeout;
  timeout.id = "partial-io.short-writes";
  timeout.title = "Short writes are completed (a write loop)";
  timeout.category = "partial-io";
  timeout.status = "timeout";
  timeout.max_score = 5;
  timeout.duration_ms = 2049;
  timeout.message = "client sent 206 B; only 100 B came back, then nothing";
  timeout.hint = "Check what write() returns and call it again for the remaining bytes.";
  timeout.repro = "sockgrade test echo-server /subs/alice --only partial-io.short-writes --seed 42";
  // What a terminal, XML and HTML must not take literally: a tag, an ampersand, a quote,
  // escaped previews of a backslash, a NUL and non-UTF-8 bytes, a terminal escape in stderr.
  timeout.evidence = {{"sent", {{"bytes", 206}, {"preview", "<b>&amp;\\\\\"\\x00\\xff\\xfe\\n\u2026 (+190 bytes)"}}},
                      {"received", {{"bytes", 100}, {"preview", "<b>&amp;\\\\\"\\x00"}}},
                      {"received_end", "timeout"},
                      {"program", {{"label", "server"}, {"status", "still running at the end of the check"},
                                   {"stderr_tail", "warning: </pre><script>alert(1)</script> \x1b[31m"}}}};
  timeout.trace = json::array({{{"t_ms", 15.7}, {"actor", "server"}, {"event", "start"}, {"detail", "./server 40001 (pid 2)"}},
                               {{"t_ms", 31.2}, {"actor", "server"}, {"event", "listen"}, {"detail", "0.0.0.0:40001 after 31 ms"}},
                               {{"t_ms", 46.0}, {"actor", "client"}, {"event", "connect"}, {"detail", "to 127.0.0.1:40001"}},
                               {{"t_ms", 46.1}, {"actor", "client"}, {"event", "send"}, {"bytes", 206}, {"preview", "<b>&amp;"}},
                               {{"t_ms", 46.2}, {"actor", "client"}, {"event", "recv"}, {"bytes", 100}, {"preview", "<b>&amp;"}},
                               {{"t_ms", 2048.2}, {"actor", "client"}, {"event", "timeout"}, {"detail", "waited for 206 B, got 100 B"}},
                               {{"t_ms", 2048.3}, {"actor", "client"}, {"event", "reset"}}});

  report::TestResult skipped;
  skipped.id = "partial-io.eintr";
  skipped.title = "Interrupted calls (EINTR) are retried";
  skipped.category = "partial-io";
  skipped.status = "skipped";
  skipped.max_score = 5;
  skipped.message = "the program is statically linked: the preload shim cannot reach its calls";
  skipped.hint = "Retry a call that fails with EINTR.";

  report::TestResult pass2;
  pass2.id = "basic.binary";
  pass2.title = "Binary data is echoed exactly";
  pass2.category = "basic";
  pass2.status = "passed";
  pass2.score = 6;
  pass2.max_score = 6;
  pass2.duration_ms = 20;
  pass2.message = "echoed 256 B exactly";
  pass2.hint = "Use the count read() returned, never strlen().";

  std::string marker = kHiddenMarker;
  report::TestResult hidden_fail;
  hidden_fail.id = "sigpipe.peer-vanishes";
  hidden_fail.title = "Survives a client that vanishes " + marker;
  hidden_fail.category = "sigpipe";
  hidden_fail.status = "failed";
  hidden_fail.max_score = 4;
  hidden_fail.duration_ms = 300;
  hidden_fail.hidden = true;
  hidden_fail.message = "the server was killed by SIGPIPE " + marker;
  hidden_fail.hint = "Ignore SIGPIPE " + marker;
  hidden_fail.repro = "sockgrade test echo-server /subs/alice --only sigpipe.peer-vanishes --seed 42";
  hidden_fail.evidence = {{"sent", {{"bytes", 3}, {"preview", marker}}}};
  hidden_fail.trace = json::array({{{"t_ms", 1.0}, {"actor", "client#1"}, {"event", "connect"}, {"detail", marker}}});

  report::TestResult hidden_pass;
  hidden_pass.id = "connect-accept.queued-while-busy";
  hidden_pass.title = "Clients queued while busy are served " + marker;
  hidden_pass.category = "connect-accept";
  hidden_pass.status = "passed";
  hidden_pass.score = 5;
  hidden_pass.max_score = 5;
  hidden_pass.duration_ms = 40;
  hidden_pass.hidden = true;
  hidden_pass.message = "served 3 queued clients " + marker;
  hidden_pass.hint = "listen() with a backlog " + marker;

  r.tests = {pass, fail, err, timeout, skipped, pass2, hidden_fail, hidden_pass};
  // The weights are the max_scores above; the harness error then counts for nothing (19/43).
  for (auto& t : r.tests) {
    t.weight = t.max_score;
    report::settle(t);
  }
  report::total(r);
  return r;
}

}  // namespace sockgrade::testing
