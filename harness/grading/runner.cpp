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
  nlohmann::json ev = ctx.evidence();
  nlohmann::json programs = nlohmann::json::array();
  std::vector<cell::Verdict> verdicts;
  for (const auto& srv : ctx.servers()) verdicts.push_back(srv->status());
  std::optional<cell::CgroupStats> group;
  if (settings.cgroup) group = settings.cgroup->stats();
  for (std::size_t i = 0; i < ctx.servers().size(); ++i) {
    auto& srv = *ctx.servers()[i];
    srv.program().kill();
    srv.program().finish_output(200);
    const auto& v = verdicts[i];
    std::string fate = cell::describe_fate(v, lab.limits, group ? &*group : nullptr);
    if (!v.running() && !srv.program().killed_by_harness()) {
      bool logged = false;
      for (const auto& e : ctx.trace().events()) logged = logged || (e.actor == srv.label() && e.event == "exit");
      if (!logged) ctx.trace().add(srv.label(), "exit", fate + " (seen at the end of the check)");
    }
    nlohmann::json p = {{"label", srv.label()},
                        {"status", v.running() ? "still running at the end of the check (then stopped by the harness)"
                                   : srv.program().killed_by_harness() ? "stopped by the harness during the check"
                                                                       : fate},
                        {"stderr_tail", srv.program().stderr_capture().tail()},
                        {"stdout_tail", srv.program().stdout_capture().tail()},
                        {"stderr_bytes", srv.program().stderr_capture().total()},
                        {"stdout_bytes", srv.program().stdout_capture().total()}};
    if (auto shim = srv.shim_stats(); shim && shim->loaded) {
      p["shim"] = {{"calls", shim->calls}, {"short_writes", shim->short_writes}, {"eintr", shim->eintr},
                   {"bytes_withheld", shim->bytes_withheld}};
    }
    for (const char* stream : {"stdout", "stderr"}) {
      const auto& cap = std::string(stream) == "stdout" ? srv.program().stdout_capture() : srv.program().stderr_capture();
      if (cap.truncated()) {
        p[std::string(stream) + "_note"] = "output truncated: " + format_bytes(cap.total()) +
                                           " written, the first and last 16 KiB kept";
      }
    }
    if (v.kind == cell::Verdict::Kind::exited) p["exit_code"] = v.exit_code;
    if (v.kind == cell::Verdict::Kind::signaled) {
      p["signal"] = v.signal;
      p["signal_name"] = cell::signal_name(v.signal);
    }
    programs.push_back(std::move(p));
  }
  // Client labs: the client's fate and output, like a server's (its stdout is read by the check).
  for (const auto& cl : ctx.clients()) {
    auto v = cl->status();
    cl->program().kill();
    cl->program().finish_output(200);
    const auto& out = cl->output();
    nlohmann::json p = {
        {"label", cl->label()},
        {"status", v.running() ? "still running at the end of the check (then stopped by the harness)"
                               : cell::describe_fate(v, lab.limits, group ? &*group : nullptr)},
        {"stderr_tail", cl->program().stderr_capture().tail()},
        {"stdout_tail", escape_preview(std::string_view(out).substr(out.size() > 2048 ? out.size() - 2048 : 0), 2048)},
        {"stderr_bytes", cl->program().stderr_capture().total()},
        {"stdout_bytes", cl->output_total()}};
    if (auto shim = cl->shim_stats(); shim && shim->loaded) {
      p["shim"] = {{"calls", shim->calls}, {"short_writes", shim->short_writes}, {"eintr", shim->eintr},
                   {"bytes_withheld", shim->bytes_withheld}};
    }
    if (v.kind == cell::Verdict::Kind::exited) p["exit_code"] = v.exit_code;
    if (v.kind == cell::Verdict::Kind::signaled) {
      p["signal"] = v.signal;
      p["signal_name"] = cell::signal_name(v.signal);
    }
    programs.push_back(std::move(p));
  }
  // Also on a timeout: whether a limit held the program back is the first question then.
  if (group && (group->oom_kills > 0 || group->pids_refused > 0 || outcome.status == Status::timeout)) {
    ev["cgroup"] = {{"oom_kills", group->oom_kills}, {"memory_peak_bytes", group->memory_peak},
                    {"forks_refused", group->pids_refused}, {"memory_limit_bytes", lab.limits.memory_bytes},
                    {"processes", group->processes}, {"process_limit", lab.limits.processes}};
  }
  if (outcome.status == Status::passed && !programs.empty()) {
    // How the programs ended and how much they wrote, without the output itself.
    nlohmann::json brief = nlohmann::json::array();
    for (auto p : programs) {
      p.erase("stdout_tail");
      p.erase("stderr_tail");
      brief.push_back(p);
    }
    ev["programs"] = brief;
  }
  if (outcome.status != Status::passed) {
    if (!programs.empty()) {
      ev["program"] = programs.back();
      if (programs.size() > 1) ev["programs"] = programs;
      if (!ctx.servers().empty()) {
        const auto& srv = *ctx.servers().back();
        ev["listening"] = {{"requested_port", srv.requested_port()},
                           {"observed", srv.listener().inode ? srv.listener().local.to_string() : "none"}};
      }
    }
    ev["seed"] = settings.seed;
    if (!ev.contains("faults")) ev["faults"] = nlohmann::json::array();
  }
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
    return fail("--only " + join(globs, ",") + " matches no check of lab " + lab.name + " (checks: " + join(ids, ", ") + ")");
  }
  return out;
}

report::Report run_lab(const RunRequest& req, const std::vector<lab::CheckSpec>& selected) {
  Stopwatch clock;
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

  int jobs = req.jobs > 0 ? req.jobs : 6;  // most cells wait on the network, not the CPU
  if (!req.isolation.netns) jobs = 1;  // hard-coded ports would collide between cells
  rep.environment = {{"isolation", cell::isolation_to_json(req.isolation)},
                     {"kernel", kernel_release()},
                     {"stretch", req.stretch},
                     {"jobs", jobs},
                     {"limits", cell::limits_to_json(req.lab.limits)}};
  // Only the limits in force: without a cgroup there is no memory limit beyond the address space.
  auto& limits = rep.environment["limits"];
  // RLIMIT_NPROC counts per uid: it is set only when the program has a uid of its own.
  if (!req.isolation.cgroup && !req.isolation.uid_drop && !req.isolation.userns) limits.erase("processes");
  if (!req.isolation.cgroup) {
    limits.erase("memory_bytes");
  } else if (req.isolation.cgroups.version == 2 || !req.isolation.cgroups.cpu_base.empty()) {
    limits["cpu_weight_percent"] = cell::CgroupLimits{}.cpu_weight_percent;
  }

  Placement place(req.isolation, req.submission);
  lab::BuildOutcome built;
  // Staging and the build cell are the harness's work: when they fail, that is a harness error,
  // never a failed build charged to the student.
  if (auto staged = place.stage(); !staged) {
    built.status = "error";
    built.message = "the harness could not stage the submission: " + staged.error().message;
  } else {
    // 1. Build, in a cell of its own: a student's Makefile is student code.
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
      auto outcome = lab::build_here(req.submission, req.lab.build, req.lab.limits, where);
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
  }
  rep.build = {built.status, built.command, built.log, built.warnings, built.duration_ms, built.message};
  // The program's name in its directory (an executable submission was staged there too).
  std::string executable_name = req.submission.kind == lab::Submission::Kind::executable
                                    ? req.submission.path.filename().string()
                                    : !built.program_name.empty() ? built.program_name
                                                                  : req.lab.build.executable;

  auto make_result = [&](const lab::CheckSpec& spec) {
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
  };

  if (built.status == "failed" || built.status == "error") {
    for (const auto& spec : selected) {
      auto t = make_result(spec);
      t.status = built.status;
      t.message = built.status == "failed" ? "not run: the build failed"
                                           : "not run: the harness could not build the submission";
      report::settle(t);
      rep.tests.push_back(std::move(t));
      if (req.on_test) req.on_test(rep.tests.back());
    }
  } else {
    // 2. Each check in its own cell.
    std::vector<cell::CellJob> jobs_list;
    std::vector<CellPlace> places(selected.size());
    std::vector<std::unique_ptr<cell::Cgroup>> groups(selected.size());
    for (std::size_t i = 0; i < selected.size(); ++i) {
      const auto& spec = selected[i];
      const CheckDef* def = req.catalogue->find(spec.id);
      cell::CellJob job = place.job(spec.id, false, places[i]);
      groups[i] = place.cgroup(std::to_string(i), cell::CgroupLimits{req.lab.limits.memory_bytes, req.lab.limits.processes});
      // Every wait of a check ends by the lab's wall deadline; the margin is the harness's own.
      double budget_ms = std::min<double>(def->info.budget_ms, req.lab.limits.wall_seconds * 1000.0);
      job.budget = Millis(static_cast<int64_t>(budget_ms * req.stretch) + 10000);
      job.body = [def, &req, &spec, &place, &places, &groups, i, &rep, &executable_name](const cell::CellEnv& env) {
        RunSettings settings;
        settings.seed = rep.seed;
        settings.stretch = req.stretch;
        settings.private_network = req.isolation.netns;
        settings.executable = place.program_path(env, executable_name);
        settings.workdir = place.scratch_path(env, places[i]);
        settings.identity = places[i].identity;
        if (settings.identity) net::observe_as(settings.identity->uid, settings.identity->gid);
        settings.cgroup = groups[i].get();
        settings.seccomp = req.isolation.seccomp;
        settings.fs_view = env.view.has_value();
        if (env.view) {
          settings.shim_library = env.view->shim_library;
          settings.shim_dir = env.view->shared;
        } else {
          settings.shim_library = place.shim_library();
          settings.shim_dir = settings.workdir;
        }
        return run_check_in_cell(*def, req.lab, spec, settings, req.trace_all);
      };
      jobs_list.push_back(std::move(job));
    }
    std::vector<report::TestResult> results(selected.size());
    auto fill = [&](std::size_t i, const cell::CellOutcome& o) {
      auto t = make_result(selected[i]);
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
        t.repro = repro_command(req, t.id, rep.seed);
        t.evidence["seed"] = rep.seed;
      }
      results[i] = std::move(t);
    };
    // The longest checks start first, so that they do not finish last.
    std::vector<std::size_t> order(selected.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return req.catalogue->find(selected[a].id)->info.typical_ms > req.catalogue->find(selected[b].id)->info.typical_ms;
    });
    auto outcomes = cell::run_cells(
        jobs_list, jobs,
        [&](std::size_t i, const cell::CellOutcome& o) {
          fill(i, o);
          if (req.on_test && results[i].status != "error") req.on_test(results[i]);
        },
        order);
    // A harness error is retried once, alone: a loaded machine must not cost a student points.
    for (std::size_t i = 0; i < selected.size(); ++i) {
      if (results[i].status != "error") continue;
      std::string first_error = results[i].message;
      auto again = cell::run_cells({jobs_list[i]}, 1);
      fill(i, again[0]);
      results[i].evidence["retried_after_harness_error"] = first_error;
      if (req.on_test) req.on_test(results[i]);
    }
    rep.tests = std::move(results);
  }
  report::total(rep);
  rep.duration_ms = clock.elapsed_ms();
  return rep;
}

}  // namespace sockgrade::grading
