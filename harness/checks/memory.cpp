// memory: the lab's own checks replayed against the submission built with sanitizers (ASan and
// UBSan, LeakSanitizer at exit, TSan for threads), each report pointing at the student's line.
#include <signal.h>

#include <algorithm>

#include "checks/catalogue.hpp"
#include "checks/memory_runs.hpp"
#include "core/strings.hpp"
#include "faults/shim.hpp"
#include "grading/context.hpp"
#include "grading/server_under_test.hpp"
#include "grading/verify.hpp"

namespace sockgrade::checks {
namespace {

// The lab's checks to replay: those its "replay" parameter names (in the lab's order), or else
// the check's own list, the checks of `categories` less those in `left_out`.
std::vector<const lab::CheckSpec*> checks_to_replay(const Context& ctx, const std::vector<std::string>& categories,
                                                    const std::vector<std::string>& left_out) {
  if (auto named = param_checks(ctx.info(), ctx.spec(), "replay")) {
    std::vector<const lab::CheckSpec*> out;
    for (const auto& c : ctx.lab().checks) {
      bool take = category_of(c.id) != category_of(ctx.info().id) &&
                  std::ranges::any_of(*named, [&](const std::string& entry) { return names_check(entry, c.id); });
      if (take) out.push_back(&c);
    }
    return out;
  }
  auto all = lab_checks_in(ctx, categories);
  std::erase_if(all, [&](const lab::CheckSpec* c) { return std::ranges::count(left_out, c->id) > 0; });
  return all;
}

// Replays the lab's checks (checks_to_replay) against the `sanitizer` build; the first report fails.
Outcome replay_clean(Context& ctx, const std::string& sanitizer, const std::vector<std::string>& categories,
                     const std::vector<std::string>& left_out = {}) {
  auto run = sanitized_run(ctx, sanitizer, false);
  if (!run) return std::move(run).error();
  auto all = checks_to_replay(ctx, categories, left_out);
  if (all.empty()) return Outcome::error("the lab has no " + join(categories, ", ") + " checks to replay");
  // This cell's share when the check runs in parts: every parts-th of the lab's checks.
  std::vector<const lab::CheckSpec*> played;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (static_cast<int>(i) % ctx.settings().parts == ctx.settings().part) played.push_back(all[i]);
  }
  // More parts than checks to replay (a lab's short list): this one passes silently (merge_parts).
  if (played.empty()) return Outcome::pass("");
  std::vector<std::string> ids, exercised;
  std::string first_wire_failure;
  for (const auto* spec : played) {
    if (ctx.wall_deadline().expired()) {
      return Outcome::timeout("the check's time ran out before " + spec->id + " was replayed (replayed: " +
                              (ids.empty() ? "none" : join(ids, ", ")) + ")");
    }
    Outcome wire;
    if (auto outcome = play_for_reports(ctx, *run, *spec, wire)) return *outcome;
    ids.push_back(spec->id);
    if (wire.status == Status::passed) {
      exercised.push_back(spec->id);
    } else if (first_wire_failure.empty()) {
      first_wire_failure = spec->id + ": " + wire.message;
    }
  }
  ctx.evidence()["replayed"] = ids;
  // A pass claims only what ran: replays that failed on the wire may not have reached the code.
  if (exercised.empty()) {
    return Outcome::skip("no replayed check ran through against the -fsanitize=" + sanitizer +
                         " build, so it proves nothing (" + first_wire_failure.substr(0, 300) + ")");
  }
  return Outcome::pass("no sanitizer report while replaying " + join(ids, ", ") + " against the -fsanitize=" +
                       sanitizer + " build (" + std::to_string(exercised.size()) + " of them passed on the wire)");
}

// slow-reader and coalesced-messages are left out: they mostly wait (a reader paced on purpose, a
// window that merges segments), about 1.7 s of the replay's 4 s, and the code paths they drive
// (full reads, writes cut short) are driven as well by basic.large-stream and partial-io.short-writes.
Outcome asan_clean(Context& ctx) {
  return replay_clean(ctx, "address", {"basic", "partial-io", "robustness"},
                      {"partial-io.slow-reader", "partial-io.coalesced-messages"});
}

// The leaks LeakSanitizer found at the server's exit that grew with the clients: an allocation
// site with objects left by at least half the clients (LeakSanitizer scans conservatively: the
// last client's pointer may still sit on a stack, and the server holds the connection that ended
// the run), each about the same size.
Outcome judge_leaks(Context& ctx, const SanitizedRun& run, const SanitizerReport& report, int clients) {
  nlohmann::json all = nlohmann::json::array();
  const LeakRecord* worst = nullptr;
  const auto leaks = leaks_of(report);
  for (const auto& leak : leaks) {
    std::vector<std::string> frames = student_stack({"", leak.frames}, run.source_marker);
    all.push_back({{"direct", leak.direct}, {"bytes", leak.bytes}, {"objects", leak.objects}, {"allocated_at", frames}});
    if (leak.objects * 2 >= clients && (!worst || leak.bytes > worst->bytes)) worst = &leak;
  }
  ctx.evidence()["leaks"] = all;
  if (!worst) {
    return Outcome::pass("no memory allocated per client left unfreed after " + std::to_string(clients) +
                         " clients (LeakSanitizer found " + std::to_string(all.size()) +
                         " leak(s) that did not grow with the clients)");
  }
  std::string site = "outside your sources";
  for (const auto& f : worst->frames) {
    if (!is_student_frame(f, run.source_marker)) continue;
    std::string code = source_line(run, f);
    site = student_path(f, run.source_marker) + ":" + std::to_string(f.line) + (code.empty() ? "" : " (`" + code + "`)");
    break;
  }
  ctx.evidence()["sanitizer_log"] = report.text.substr(0, 8192);
  return Outcome::fail(std::to_string(worst->bytes / worst->objects) + " bytes per client never freed: " +
                       std::to_string(worst->bytes) + " bytes in " + std::to_string(worst->objects) +
                       " objects after " + std::to_string(clients) + " clients, allocated at " + site +
                       " (LeakSanitizer, at the server's exit)");
}

// Ends the server through the shim's SIGRTMAX handler (LeakSanitizer's check, then exit) and
// judges what the check found in the server's own process.
Outcome leak_check_at_exit(Context& ctx, Context& sub, const SanitizedRun& run, int clients) {
  auto& srv = sub.server();
  pid_t pid = srv.pid();
  // Only the process the harness started has the shim's handler it can signal (a daemon's child does not).
  auto first_process_gone = [&] {
    auto v = srv.status();
    bool left_children = v.kind == cell::Verdict::Kind::exited && v.exit_code == 0;  // it served, then exited 0
    return Outcome::skip("cannot ask for the leaks: the server's first process is gone (" + srv.fate_sentence() + ")" +
                         (left_children ? ": a server must stay in the foreground, not daemonize" : ""));
  };
  if (!srv.status().running()) {
    ctx.trace().append(sub.trace().events());
    return first_process_gone();
  }
  ::kill(pid, SIGRTMAX);
  auto v = srv.program().wait(sub.deadline(10000));
  sub.trace().add("harness", "signal", "SIGRTMAX: LeakSanitizer's check, then exit (" + v.describe() + ")");
  ctx.trace().append(sub.trace().events());
  if (v.running()) return Outcome::error("the server did not end on SIGRTMAX after LeakSanitizer's check");
  auto found = take_first_report(run, pid);
  if (found.start_failure) return Outcome::error("LeakSanitizer could not run: " + *found.start_failure);
  if (found.report && found.report->tool == "LeakSanitizer") return judge_leaks(ctx, run, *found.report, clients);
  if (found.report) return report_failure(ctx, run, *found.report, "memory.no-leak-per-client");
  auto stats = srv.shim_stats();
  bool checked = stats && stats->clean_leak_checks > 0;  // the handler's own count, not just an exit 0
  if (!checked && v.kind == cell::Verdict::Kind::exited && v.exit_code == 0) {
    // Gone on its own before the signal came (a daemon's first process): nothing was checked.
    return first_process_gone();
  }
  if (!checked) {
    // 125: the shim found no LeakSanitizer in the program; anything else: not our handler's exit.
    return Outcome::error("the server ended without LeakSanitizer's verdict (" + v.describe() + ")");
  }
  return Outcome::pass("no memory left unfreed after " + std::to_string(clients) + " clients (LeakSanitizer, at the server's exit)");
}

Outcome no_leak_per_client(Context& ctx) {
  int clients = static_cast<int>(ctx.param("clients"));
  auto run = sanitized_run(ctx, "address", true);
  if (!run) return std::move(run).error();
  // LeakSanitizer stops the program's threads with ptrace, which the cell's seccomp filter
  // refuses: this one run goes without it (namespaces, uid, rlimits and cgroup still hold).
  run->settings.seccomp = false;
  Context sub(*builtin_checks().find(ctx.info().id), ctx.lab(), ctx.spec(), run->settings);
  auto steps = [&]() -> Step<void> {
    SG_CHECK(sub.require_preload());
    ServerOptions options;
    options.shim = faults::ShimConfig{.leak_signal = true};
    SG_TRY(auto* srv, sub.start_server(options));
    (void)srv;
    auto rng = sub.rng("messages");
    for (int i = 1; i <= clients; ++i) {
      std::string who = "client#" + std::to_string(i);
      SG_CHECK(in_context(serve_one_client(sub, who, who + " " + rng.text(16) + "\n"),
                          "after " + std::to_string(i - 1) + " clients: "));
    }
    settle_server(sub);
    wait_for_reports(sub, *run);
    return {};
  };
  auto served = steps();
  if (!served) {
    // A report that ended the server early is asan-clean's finding too; here it is named as well.
    wait_for_reports(sub, *run);
    auto found = take_first_report(*run);
    if (found.start_failure) return Outcome::error("the sanitizer could not run the program: " + *found.start_failure);
    if (found.report) return report_failure(ctx, *run, *found.report, ctx.info().id);
    ctx.trace().append(sub.trace().events());
    // Clients not served one after another leave nothing to count leaks over: not a memory finding.
    auto why = std::move(served).error();
    if (why.status == Status::error) return why;
    return Outcome::skip("cannot count leaks per client: " + why.message);
  }
  return leak_check_at_exit(ctx, sub, *run, clients);
}

// Simultaneous clients and a burst: each client's thread runs beside others (TSan slows the
// program several times over: the other checks' waits would not fit the check's time).
Outcome tsan_race(Context& ctx) {
  return replay_clean(ctx, "thread", {"concurrency.simultaneous-clients", "concurrency.burst"});
}

}  // namespace

// Each check of labs/checks/memory.json is the function above named after its id
// (memory.asan-clean: asan_clean()). The build writes memory_checks(), the list that pairs them
// (checks/list_functions.cmake).
#include "checks/memory_checks.inc"

}  // namespace sockgrade::checks
