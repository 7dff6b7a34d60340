#include "grading/runner.hpp"

#include <stdlib.h>
#include <sys/utsname.h>

#include <algorithm>
#include <filesystem>

#include "cell/cell.hpp"
#include "cell/fate.hpp"
#include "core/bytes.hpp"
#include "grading/client_under_test.hpp"
#include "net/observe.hpp"
#include "grading/context.hpp"
#include "grading/merge_parts.hpp"
#include "grading/placement.hpp"
#include "faults/shim.hpp"
#include "grading/server_under_test.hpp"
#include "core/clock.hpp"
#include "core/strings.hpp"
#include "core/version.hpp"
#include "lab/build.hpp"

namespace sockgrade::grading {
namespace fs = std::filesystem;
namespace {

std::string kernel_release() {
  struct utsname u;
  if (::uname(&u) != 0) return "unknown";
  return std::string(u.sysname) + " " + u.release;
}

// What the report says of one program of a check; servers and clients differ only in what is
// passed in (a client's stdout is what the check read).
nlohmann::json program_json(const std::string& label, const std::string& status, cell::Program& program,
                            const cell::Verdict& v, const std::optional<faults::ShimStats>& shim,
                            std::string stdout_tail, uint64_t stdout_bytes) {
  nlohmann::json p = {{"label", label},
                      {"status", status},
                      {"stderr_tail", program.stderr_capture().tail()},
                      {"stdout_tail", std::move(stdout_tail)},
                      {"stderr_bytes", program.stderr_capture().total()},
                      {"stdout_bytes", stdout_bytes}};
  if (shim && shim->loaded) {
    p["shim"] = {{"calls", shim->calls}, {"short_writes", shim->short_writes}, {"eintr", shim->eintr},
                 {"bytes_withheld", shim->bytes_withheld}};
  }
  if (v.kind == cell::Verdict::Kind::exited) p["exit_code"] = v.exit_code;
  if (v.kind == cell::Verdict::Kind::signaled) {
    p["signal"] = v.signal;
    p["signal_name"] = cell::signal_name(v.signal);
  }
  return p;
}

constexpr const char* kStillRunning = "still running at the end of the check (then stopped by the harness)";

// A server, stopped now; `v` is how it was before. Its exit goes into the trace if no step saw it.
nlohmann::json server_json(ServerUnderTest& srv, const cell::Verdict& v, const std::string& fate, net::Trace& trace) {
  srv.program().kill();
  srv.program().finish_output(200);
  if (!v.running() && !srv.program().killed_by_harness()) {
    bool logged = false;
    for (const auto& e : trace.events()) logged = logged || (e.actor == srv.label() && e.event == "exit");
    if (!logged) trace.add(srv.label(), "exit", fate + " (seen at the end of the check)");
  }
  std::string status = v.running()                          ? kStillRunning
                       : srv.program().killed_by_harness() ? "stopped by the harness during the check"
                                                           : fate;
  const auto& out = srv.program().stdout_capture();
  auto p = program_json(srv.label(), status, srv.program(), v, srv.shim_stats(), out.tail(), out.total());
  for (const char* stream : {"stdout", "stderr"}) {
    const auto& cap = std::string(stream) == "stdout" ? out : srv.program().stderr_capture();
    if (cap.truncated()) {
      p[std::string(stream) + "_note"] = "output truncated: " + format_bytes(cap.total()) +
                                         " written, the first and last 16 KiB kept";
    }
  }
  return p;
}

// A client of a client lab, stopped now: its fate and output, like a server's.
nlohmann::json client_json(ClientUnderTest& cl, const lab::LabSpec& lab, const cell::CgroupStats* group) {
  auto v = cl.status();
  cl.program().kill();
  cl.program().finish_output(200);
  const auto& out = cl.output();
  std::string tail = escape_preview(std::string_view(out).substr(out.size() > 2048 ? out.size() - 2048 : 0), 2048);
  std::string status = v.running() ? kStillRunning : cell::describe_fate(v, lab.limits, group);
  return program_json(cl.label(), status, cl.program(), v, cl.shim_stats(), std::move(tail), cl.output_total());
}

// Every program of the check, stopped and described (servers first, as they were started);
// `verdicts` are the servers' states before any was stopped (stopping one may end another).
nlohmann::json stop_and_describe_programs(Context& ctx, const std::vector<cell::Verdict>& verdicts,
                                          const lab::LabSpec& lab, const cell::CgroupStats* group) {
  nlohmann::json programs = nlohmann::json::array();
  for (std::size_t i = 0; i < ctx.servers().size(); ++i) {
    std::string fate = cell::describe_fate(verdicts[i], lab.limits, group);
    programs.push_back(server_json(*ctx.servers()[i], verdicts[i], fate, ctx.trace()));
  }
  for (const auto& cl : ctx.clients()) programs.push_back(client_json(*cl, lab, group));
  return programs;
}

// The evidence around the check's own: the programs, the cgroup's counters, the listener.
void complete_evidence(nlohmann::json& ev, const Outcome& outcome, const nlohmann::json& programs, Context& ctx,
                       const lab::LabSpec& lab, const std::optional<cell::CgroupStats>& group, uint64_t seed) {
  // Also on a timeout: whether a limit held the program back is the first question then.
  if (group && (group->oom_kills > 0 || group->pids_refused > 0 || outcome.status == Status::timeout)) {
    ev["cgroup"] = {{"oom_kills", group->oom_kills}, {"memory_peak_bytes", group->memory_peak},
                    {"forks_refused", group->pids_refused}, {"memory_limit_bytes", lab.limits.memory_bytes},
                    {"processes", group->processes}, {"process_limit", lab.limits.processes}};
  }
  if (outcome.status == Status::passed) {
    if (programs.empty()) return;
    // How the programs ended and how much they wrote, without the output itself.
    nlohmann::json brief = nlohmann::json::array();
    for (auto p : programs) {
      p.erase("stdout_tail");
      p.erase("stderr_tail");
      brief.push_back(p);
    }
    ev["programs"] = brief;
    return;
  }
  if (!programs.empty()) {
    ev["program"] = programs.back();
    if (programs.size() > 1) ev["programs"] = programs;
    if (!ctx.servers().empty()) {
      const auto& srv = *ctx.servers().back();
      ev["listening"] = {{"requested_port", srv.requested_port()},
                         {"observed", srv.listener().inode ? srv.listener().local.to_string() : "none"}};
    }
  }
  ev["seed"] = seed;
  if (!ev.contains("faults")) ev["faults"] = nlohmann::json::array();
}

// A check that timed out while a loaded machine kept its program off the CPUs (ready to run,
// yet given almost no CPU since it started) proves nothing about the program: a harness error
// (retried alone), with the proof and the missed deadline in the evidence. A program that was
// blocked, or that spun, is never excused (starvation.hpp).
void excuse_if_starved(Context& ctx, Outcome& outcome) {
  if (outcome.status != Status::timeout) return;
  std::vector<const ProgramUnderTest*> programs;
  for (const auto& s : ctx.servers()) programs.push_back(s.get());
  for (const auto& c : ctx.clients()) programs.push_back(c.get());
  for (const auto* p : programs) {
    auto starved = p->starved_since_start();
    if (!starved) continue;
    ctx.evidence()["deadline_missed"] = outcome.message;
    outcome = Outcome::error(record_starvation(ctx, p->label(), *starved));
    return;
  }
}

// Runs one check inside its cell and describes everything a student needs when it fails.
nlohmann::json run_check_in_cell(const CheckDef& def, const lab::LabSpec& lab, const lab::CheckSpec& spec,
                                 const RunSettings& settings, bool trace_all) {
  Stopwatch clock;
  Context ctx(def, lab, spec, settings);
  Outcome outcome;
  try {
    outcome = def.run(ctx);
  } catch (const std::exception& e) {
    outcome = Outcome::error(std::string("internal error in the check: ") + e.what());
  }
  excuse_if_starved(ctx, outcome);
  nlohmann::json ev = ctx.evidence();
  std::vector<cell::Verdict> verdicts;
  for (const auto& srv : ctx.servers()) verdicts.push_back(srv->status());
  std::optional<cell::CgroupStats> group;
  if (settings.cgroup) group = settings.cgroup->stats();
  auto programs = stop_and_describe_programs(ctx, verdicts, lab, group ? &*group : nullptr);
  complete_evidence(ev, outcome, programs, ctx, lab, group, settings.seed);
  return {{"status", status_name(outcome.status)},
          {"message", outcome.message},
          {"evidence", ev},
          {"trace", outcome.status == Status::passed && !trace_all ? nlohmann::json::array() : ctx.trace().to_json()},
          {"duration_ms", clock.elapsed_ms()}};
}

std::string repro_command(const RunRequest& req, const std::string& id, uint64_t seed) {
  std::string cmd = "sockgrade test " + shell_quote(req.lab_arg) + " " + shell_quote(req.submission_arg) +
                    " --only " + shell_quote(id) + " --seed " + std::to_string(seed);
  if (req.stretch != 1.0) {
    char buf[32];
    std::snprintf(buf, sizeof buf, " --stretch %g", req.stretch);
    cmd += buf;
  }
  return cmd;
}

}  // namespace

bool check_matches(const std::string& pattern, const std::string& id) {
  if (glob_match(pattern, id) || glob_match(pattern + ".*", id) || glob_match("*." + pattern, id)) return true;
  // A plain word matches any id containing it ("--only restart").
  bool plain = pattern.find_first_of("*?[") == std::string::npos;
  return plain && id.find(pattern) != std::string::npos;
}

uint64_t seed_for(const lab::Submission& sub) {
  // 9 hex digits: a number a student can type, stable for the same files.
  return std::stoull(sub.sha256.substr(0, 9), nullptr, 16);
}

Result<std::vector<lab::CheckSpec>> select_checks(const lab::LabSpec& lab, const std::vector<std::string>& globs) {
  std::vector<lab::CheckSpec> out;
  for (const auto& c : lab.checks) {
    bool take = globs.empty();
    for (const auto& g : globs) take = take || check_matches(g, c.id);
    if (take) out.push_back(c);
  }
  if (out.empty()) {
    std::vector<std::string> ids;
    for (const auto& c : lab.checks) ids.push_back(c.id);
    return error_result("--only " + join(globs, ",") + " matches no check of lab " + lab.name + " (checks: " + join(ids, ", ") + ")");
  }
  return out;
}

namespace {

// The report's header: the tool, the lab, the submission, the seed, and the isolation and
// limits in force (only those: without a cgroup there is no memory limit beyond the address space).
report::Report new_report(const RunRequest& req, int jobs) {
  report::Report rep;
  rep.tool_name = kToolName;
  rep.tool_version = kVersion;
  rep.lab = req.lab.name;
  rep.lab_title = req.lab.title;
  rep.submission_id = req.submission.id;
  rep.submission_path = req.submission.path.string();
  rep.submission_sha256 = req.submission.sha256;
  rep.submission_kind = req.submission.kind == lab::Submission::Kind::executable ? "executable" : "sources";
  rep.started_at = utc_now_iso8601();
  rep.seed = req.seed ? *req.seed : seed_for(req.submission);
  rep.environment = {{"isolation", cell::isolation_to_json(req.isolation)},
                     {"kernel", kernel_release()},
                     {"stretch", req.stretch},
                     {"jobs", jobs},
                     {"limits", cell::limits_to_json(req.lab.limits)}};
  auto& limits = rep.environment["limits"];
  // RLIMIT_NPROC counts per uid: it is set only when the program has a uid of its own.
  if (!req.isolation.cgroup && !req.isolation.uid_drop && !req.isolation.userns) limits.erase("processes");
  if (!req.isolation.cgroup) {
    limits.erase("memory_bytes");
  } else if (req.isolation.cgroups.version == 2 || !req.isolation.cgroups.cpu_base.empty()) {
    limits["cpu_weight_percent"] = cell::CgroupLimits{}.cpu_weight_percent;
  }
  return rep;
}

// The sanitizers the selected checks need built (memory checks; none when --only leaves them out).
std::vector<std::string> sanitizers_for(const RunRequest& req, const std::vector<lab::CheckSpec>& selected) {
  std::vector<std::string> out;
  for (const auto& spec : selected) {
    const auto& s = req.catalogue->find(spec.id)->info.sanitizer;
    if (!s.empty() && std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  }
  return out;
}

// Stages the submission and builds it in a cell of its own (a student's Makefile is student
// code). Staging and the build cell are the harness's work: when they fail, that is a harness
// error, never a failed build charged to the student.
lab::BuildOutcome stage_and_build(const RunRequest& req, Placement& place, const std::vector<std::string>& sanitizers) {
  lab::BuildOutcome built;
  if (auto staged = place.stage(); !staged) {
    built.status = "error";
    built.message = "the harness could not stage the submission: " + staged.error().message;
    return built;
  }
  CellPlace build_place;
  cell::CellJob build_job = place.job("build", true, build_place);
  // Cgroups are made here, by the harness: inside a cell /sys is read-only. Generous limits
  // for compilers, but limits: a build may fork-bomb too.
  auto build_group = place.cgroup("build", cell::CgroupLimits{2ull << 30, 256});
  build_job.budget = std::chrono::seconds(req.lab.build.timeout_seconds + 30);
  build_job.body = [&](const cell::CellEnv& env) {
    lab::BuildPlace where;
    where.src = env.view ? env.view->program_dir : place.program_dir().string();
    where.home = place.scratch_path(env, build_place);
    where.identity = build_place.identity;
    where.seccomp = req.isolation.seccomp;
    if (build_group) where.cgroup_fds = build_group->join_fds();
    auto outcome = lab::build_here(req.submission, req.lab.build, req.lab.limits, where, sanitizers);
    if (build_group) build_group->kill_all();
    return lab::build_to_json(outcome);
  };
  auto built_cells = cell::run_cells({build_job}, 1);
  if (!built_cells[0].ok) {
    built.status = "error";
    built.message = "the harness could not run the build: " + built_cells[0].error;
  } else {
    built = lab::build_from_json(built_cells[0].result);
  }
  place.seal();
  return built;
}

// A check's result before it ran: what the catalogue and the lab say of it.
report::TestResult new_result(const RunRequest& req, const lab::CheckSpec& spec) {
  const CheckDef* def = req.catalogue->find(spec.id);
  report::TestResult t;
  t.id = spec.id;
  t.title = def->info.title;
  t.category = def->info.category;
  t.hint = def->info.hint;
  t.requirement = def->info.requirement;
  t.hidden = spec.hidden;
  t.weight = spec.weight;
  t.max_score = spec.weight;
  return t;
}

// Every check "not run", when there is nothing to run (the build failed or erred).
std::vector<report::TestResult> not_run(const RunRequest& req, const std::vector<lab::CheckSpec>& selected,
                                        const std::string& build_status) {
  std::vector<report::TestResult> results;
  for (const auto& spec : selected) {
    auto t = new_result(req, spec);
    t.status = build_status;
    t.message = build_status == "failed" ? "not run: the build failed" : "not run: the harness could not build the submission";
    report::settle(t);
    results.push_back(std::move(t));
    if (req.on_test) req.on_test(results.back());
  }
  return results;
}

// The cell job of one check: its budget (the lab's wall deadline bounds every wait; the margin
// is the harness's own) and the settings its Context gets.
cell::CellJob check_job(const RunRequest& req, const CheckDef& def, const lab::CheckSpec& spec, Placement& place,
                        CellPlace& cell_place, cell::Cgroup* group, std::vector<const cell::Cgroup*> all_groups,
                        const std::string& executable_name, const std::vector<lab::SanitizedBuild>& sanitized,
                        uint64_t seed, int part) {
  cell::CellJob job = place.job(spec.id, false, cell_place);
  double budget_ms = std::min<double>(def.info.budget_ms, req.lab.limits.wall_seconds * 1000.0);
  job.budget = Millis(static_cast<int64_t>(budget_ms * req.stretch) + 10000);
  if (def.info.parts > 1) job.name += "#" + std::to_string(part + 1);
  job.body = [&def, &req, &spec, &place, &cell_place, group, all_groups, executable_name, &sanitized, seed,
              part](const cell::CellEnv& env) {
    RunSettings settings;
    settings.seed = seed;
    settings.stretch = req.stretch;
    settings.private_network = req.isolation.netns;
    settings.executable = place.program_path(env, executable_name);
    settings.workdir = place.scratch_path(env, cell_place);
    settings.identity = cell_place.identity;
    if (settings.identity) net::observe_as(settings.identity->uid, settings.identity->gid);
    settings.cgroup = group;
    settings.submission_cgroups = all_groups;
    settings.seccomp = req.isolation.seccomp;
    settings.fs_view = env.view.has_value();
    settings.shim_library = env.view ? env.view->shim_library : place.shim_library();
    settings.shim_dir = env.view ? env.view->shared : settings.workdir;
    settings.catalogue = req.catalogue;
    settings.part = part;
    settings.parts = std::max(1, def.info.parts);
    for (const auto& b : sanitized) {
      settings.sanitized.push_back({b.sanitizer, b.status == "ok" ? place.program_path(env, b.program_name) : "", b.message});
    }
    return run_check_in_cell(def, req.lab, spec, settings, req.trace_all);
  };
  return job;
}

// A check's result from what its cell returned (or the cell's own failure: a harness error).
report::TestResult result_of_cell(const RunRequest& req, const lab::CheckSpec& spec, const cell::CellOutcome& o,
                                  uint64_t seed) {
  auto t = new_result(req, spec);
  if (o.ok) {
    t.status = o.result.value("status", "error");
    t.message = o.result.value("message", "");
    t.evidence = o.result.value("evidence", nlohmann::json::object());
    t.trace = o.result.value("trace", nlohmann::json::array());
    t.duration_ms = o.result.value("duration_ms", o.duration_ms);
  } else {
    t.status = "error";
    t.message = o.error;
    t.duration_ms = o.duration_ms;
  }
  report::settle(t);
  if (t.status != "passed") {
    t.repro = repro_command(req, t.id, seed);
    t.evidence["seed"] = seed;
  }
  return t;
}

// One cell of a check: which check, and which of its parts.
struct CellUnit {
  std::size_t check = 0;
  int part = 0;
};

// Each check in its own cell (or its parts in theirs), `jobs` at once, the longest first; a
// harness error is retried once, alone: a loaded machine must not cost a student points.
std::vector<report::TestResult> run_checks(const RunRequest& req, const std::vector<lab::CheckSpec>& selected,
                                           Placement& place, const std::string& executable_name,
                                           const std::vector<lab::SanitizedBuild>& sanitized, int jobs, uint64_t seed) {
  std::vector<CellUnit> units;
  for (std::size_t i = 0; i < selected.size(); ++i) {
    for (int p = 0; p < std::max(1, req.catalogue->find(selected[i].id)->info.parts); ++p) units.push_back({i, p});
  }
  std::vector<cell::CellJob> jobs_list;
  std::vector<CellPlace> places(units.size());
  std::vector<std::unique_ptr<cell::Cgroup>> groups(units.size());
  std::vector<const cell::Cgroup*> all_groups;
  for (std::size_t u = 0; u < units.size(); ++u) {
    groups[u] = place.cgroup(std::to_string(u), cell::CgroupLimits{req.lab.limits.memory_bytes, req.lab.limits.processes});
    if (groups[u]) all_groups.push_back(groups[u].get());
  }
  // Without a cgroup for every cell this submission's CPU across cells is unknown.
  if (all_groups.size() != units.size()) all_groups.clear();
  for (std::size_t u = 0; u < units.size(); ++u) {
    const auto& spec = selected[units[u].check];
    jobs_list.push_back(check_job(req, *req.catalogue->find(spec.id), spec, place, places[u], groups[u].get(),
                                  all_groups, executable_name, sanitized, seed, units[u].part));
  }
  std::vector<report::TestResult> results(selected.size());
  auto parts_of = [&](std::size_t i) { return static_cast<std::size_t>(std::max(1, req.catalogue->find(selected[i].id)->info.parts)); };
  // Each check's part outcomes in part order, not in the order the cells end: the part that
  // speaks for a failure and the order of the joined messages are then the same every run.
  std::vector<std::vector<cell::CellOutcome>> outcomes(selected.size());
  std::vector<std::size_t> parts_ended(selected.size(), 0);
  for (std::size_t i = 0; i < selected.size(); ++i) outcomes[i].resize(parts_of(i));
  std::vector<std::size_t> order(units.size());
  for (std::size_t u = 0; u < order.size(); ++u) order[u] = u;
  auto typical_ms = [&](std::size_t u) { return req.catalogue->find(selected[units[u].check].id)->info.typical_ms; };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return typical_ms(a) > typical_ms(b); });
  cell::run_cells(
      jobs_list, jobs,
      [&](std::size_t u, const cell::CellOutcome& o) {
        std::size_t i = units[u].check;
        outcomes[i][static_cast<std::size_t>(units[u].part)] = o;
        if (++parts_ended[i] < parts_of(i)) return;
        results[i] = result_of_cell(req, selected[i], merge_parts(outcomes[i]), seed);
        if (req.on_test && results[i].status != "error") req.on_test(results[i]);
      },
      order);
  for (std::size_t i = 0; i < selected.size(); ++i) {
    if (results[i].status != "error") continue;
    std::string first_error = results[i].message;
    std::vector<cell::CellJob> again_jobs;
    for (std::size_t u = 0; u < units.size(); ++u) {
      if (units[u].check == i) again_jobs.push_back(jobs_list[u]);
    }
    results[i] = result_of_cell(req, selected[i], merge_parts(cell::run_cells(again_jobs, 1)), seed);
    results[i].evidence["retried_after_harness_error"] = first_error;
    if (req.on_test) req.on_test(results[i]);
  }
  return results;
}

}  // namespace

report::Report run_lab(const RunRequest& req, const std::vector<lab::CheckSpec>& selected) {
  Stopwatch clock;
  int jobs = req.jobs > 0 ? req.jobs : 6;  // most cells wait on the network, not the CPU
  if (!req.isolation.netns) jobs = 1;      // hard-coded ports would collide between cells
  report::Report rep = new_report(req, jobs);
  Placement place(req.isolation, req.submission);
  lab::BuildOutcome built = stage_and_build(req, place, sanitizers_for(req, selected));
  rep.build = {built.status, built.command, built.log, built.warnings, built.duration_ms, built.message};
  // The program's name in its directory (an executable submission was staged there too).
  std::string executable_name = req.submission.kind == lab::Submission::Kind::executable
                                    ? req.submission.path.filename().string()
                                    : !built.program_name.empty() ? built.program_name
                                                                  : req.lab.build.executable;
  if (built.status == "failed" || built.status == "error") {
    rep.tests = not_run(req, selected, built.status);
  } else {
    rep.tests = run_checks(req, selected, place, executable_name, built.sanitized, jobs, rep.seed);
  }
  report::total(rep);
  rep.duration_ms = clock.elapsed_ms();
  return rep;
}

}  // namespace sockgrade::grading
