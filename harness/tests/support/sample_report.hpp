// A report built by hand: one passed check, one failed (with evidence, a trace and the
// command that reproduces it) and one harness error, as the runner would produce them.
#pragma once

#include "report/model.hpp"

namespace sockgrade::testing {

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
                   {"received_end", "eof"}};
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

  r.tests = {pass, fail, err};
  r.score = 8;
  r.max_score = 24;
  return r;
}

}  // namespace sockgrade::testing
