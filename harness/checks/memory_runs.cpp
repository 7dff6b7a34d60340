#include "checks/memory_runs.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <tuple>

#include "checks/catalogue.hpp"
#include "core/wait.hpp"
#include "grading/catalogue.hpp"
#include "grading/client_under_test.hpp"
#include "grading/server_under_test.hpp"
#include "lab/sanitized_build.hpp"

namespace sockgrade::checks {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kLogKept = 8192;  // of a report's text in the evidence

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A sanitizer's log file in the run's log directory: "report.<pid>" (log_path=<dir>/report).
bool is_report_log(const std::string& name) { return name.rfind("report.", 0) == 0; }

struct SanitizerLog {
  int pid = 0;
  std::string text;
};

// Everything the sanitizer wrote since the last call, per log file, in the order of the PIDs;
// the files are removed.
std::vector<SanitizerLog> take_logs(const SanitizedRun& run) {
  std::vector<SanitizerLog> logs;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(run.log_dir, ec)) {
    auto name = e.path().filename().string();
    if (!is_report_log(name)) continue;
    logs.push_back({std::atoi(name.substr(name.find('.') + 1).c_str()), read_text(e.path())});
    fs::remove(e.path(), ec);
  }
  std::sort(logs.begin(), logs.end(), [](const auto& a, const auto& b) { return a.pid < b.pid; });
  return logs;
}

// A sanitizer that could not start (shadow memory, the tracer refused): its line.
std::optional<std::string> sanitizer_start_failure(const std::string& log) {
  for (const char* sign : {"FATAL: ThreadSanitizer", "ReserveShadowMemoryRange failed", "failed to allocate",
                           "LeakSanitizer has encountered a fatal error", "Shadow memory range interleaves",
                           "ERROR: Failed to mmap"}) {
    auto pos = log.find(sign);
    if (pos == std::string::npos) continue;
    auto start = log.rfind('\n', pos);
    start = start == std::string::npos ? 0 : start + 1;
    return log.substr(start, log.find('\n', pos) - start);
  }
  return std::nullopt;
}

// The sanitizer's options: its reports go to a file per process in `dir`, never into the
// program's stderr; the first report ends the program (UBSan too, with its stack).
std::vector<std::string> sanitizer_env(const std::string& sanitizer, const std::string& dir, bool detect_leaks) {
  std::string log = "log_path=" + dir + "/report";
  if (sanitizer == "thread") return {"TSAN_OPTIONS=" + log + ":halt_on_error=1"};
  // verify_asan_link_order=0: the preload shim (LD_PRELOAD) comes before libasan, which is harmless.
  return {"ASAN_OPTIONS=" + log + ":halt_on_error=1:verify_asan_link_order=0:detect_leaks=" +
              (detect_leaks ? "1" : "0"),
          "UBSAN_OPTIONS=" + log + ":halt_on_error=1:print_stacktrace=1"};
}

// The first of the student's frames in the report's sections (the access, for ASan and TSan).
const grading::SanitizerFrame* first_student_frame(const grading::SanitizerSection& s, const std::string& marker) {
  for (const auto& f : s.frames) {
    if (grading::is_student_frame(f, marker)) return &f;
  }
  return nullptr;
}

// "server.c:12 (`buf[n] = 0;`)" for a frame of the student's.
std::string place_of(const SanitizedRun& run, const grading::SanitizerFrame& f) {
  std::string code = source_line(run, f);
  std::string at = grading::student_path(f, run.source_marker) + ":" + std::to_string(f.line);
  return code.empty() ? at : at + " (`" + code + "`)";
}

// Stops the played check's programs and returns their stderr: GCC's UBSan, linked beside
// libasan, ignores log_path and reports there (its "file:line:col: runtime error:" lines).
std::string stop_programs(grading::Context& sub) {
  std::string stderr_text;
  auto stop = [&](cell::Program& p) {
    p.kill();
    p.finish_output(200);
    stderr_text += p.stderr_capture().text() + "\n";
  };
  for (const auto& s : sub.servers()) stop(s->program());
  for (const auto& c : sub.clients()) stop(c->program());
  return stderr_text;
}

// The first UBSan report in the programs' stderr.
std::optional<grading::SanitizerReport> ubsan_report_in(const std::string& stderr_text) {
  for (auto& r : grading::parse_sanitizer_log(stderr_text)) {
    if (r.tool == "UndefinedBehaviorSanitizer") return std::move(r);
  }
  return std::nullopt;
}

}  // namespace

void settle_server(grading::Context& sub) {
  if (sub.servers().empty() || sub.lab().transport != lab::Transport::tcp) return;
  if (!sub.server().status().running()) return;
  auto peer = sub.connect("memory-settle", {}, 300);
  if (!peer) return;
  peer->receive(1, sub.deadline(300));
}

namespace {

// Whether a sanitizer is still writing a report: a log file without its SUMMARY line yet (every
// report has one before anything the parser ignores; the PID in the file's name is the program's
// own, in a PID namespace that may not be this cell's), or a program with a UBSan line in its
// stderr still running (halt_on_error ends it once the report is out). `complete` holds the sizes
// of the files already seen whole: those are not read again while the wait polls.
bool report_in_progress(grading::Context& sub, const SanitizedRun& run, std::map<std::string, std::uintmax_t>& complete) {
  bool any_running = false;
  for (const auto& s : sub.servers()) any_running = any_running || s->status().running();
  for (const auto& c : sub.clients()) any_running = any_running || c->status().running();
  if (!any_running) return false;  // nobody left to write (a forked child's is a server's descendant)
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(run.log_dir, ec)) {
    auto name = e.path().filename().string();
    if (!is_report_log(name)) continue;
    auto size = e.file_size(ec);
    if (auto seen = complete.find(name); !ec && seen != complete.end() && seen->second == size) continue;
    auto text = read_text(e.path());
    // A bug that wrecked the stack the sanitizer walks ends its report early ("nested bug").
    bool done = text.find("SUMMARY: ") != std::string::npos || text.find("nested bug") != std::string::npos;
    if (!done) return true;
    complete[name] = text.size();
  }
  for (const auto& s : sub.servers()) {
    if (s->status().running() && s->program().stderr_capture().text().find("runtime error:") != std::string::npos) return true;
  }
  return false;
}

}  // namespace

void wait_for_reports(grading::Context& sub, const SanitizedRun& run) {
  std::map<std::string, std::uintmax_t> complete;
  wait_until(sub.deadline(5000), [&] { return !report_in_progress(sub, run, complete); });
}

grading::Step<SanitizedRun> sanitized_run(grading::Context& ctx, const std::string& sanitizer, bool detect_leaks) {
  const auto& all = ctx.settings().sanitized;
  auto it = std::find_if(all.begin(), all.end(), [&](const auto& p) { return p.sanitizer == sanitizer; });
  if (it == all.end()) return grading::harness_error("the run built no program with -fsanitize=" + sanitizer);
  if (it->executable.empty()) return unexpected(grading::Outcome::skip(it->skip_reason));
  SanitizedRun run;
  run.settings = ctx.settings();
  run.settings.executable = it->executable;
  run.settings.unlimited_address_space = true;
  run.log_dir = ctx.settings().workdir + "/sanitizer-" + sanitizer;
  run.source_marker = "/" + lab::sanitized_dir_name(sanitizer) + "/";
  if (::mkdir(run.log_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return grading::harness_error("cannot create " + run.log_dir + " for the sanitizer's reports");
  }
  if (const auto& id = ctx.settings().identity) (void)::chown(run.log_dir.c_str(), id->uid, id->gid);
  run.settings.extra_env = sanitizer_env(sanitizer, run.log_dir, detect_leaks);
  ctx.evidence()["sanitizer_options"] = run.settings.extra_env;
  return run;
}

LoggedFinding take_first_report(const SanitizedRun& run, std::optional<int> pid) {
  LoggedFinding found;
  for (auto& log : take_logs(run)) {
    if (auto failure = sanitizer_start_failure(log.text)) return {std::move(failure), std::nullopt};
    if (found.report || (pid && log.pid != *pid)) continue;
    auto reports = grading::parse_sanitizer_log(log.text);
    if (!reports.empty()) found.report = std::move(reports.front());
  }
  return found;
}

std::vector<const lab::CheckSpec*> lab_checks_in(const grading::Context& ctx, const std::vector<std::string>& categories) {
  std::vector<const lab::CheckSpec*> out;
  for (const auto& c : ctx.lab().checks) {
    auto cat = std::string(category_of(c.id));
    auto named = [&](const std::string& want) { return want == cat || want == c.id; };
    if (cat == "memory" || std::none_of(categories.begin(), categories.end(), named)) continue;
    out.push_back(&c);
  }
  return out;
}

std::optional<grading::Outcome> play_for_reports(grading::Context& ctx, const SanitizedRun& run,
                                                 const lab::CheckSpec& spec, grading::Outcome& wire) {
  const auto* catalogue = ctx.settings().catalogue;
  const grading::CheckDef* def = catalogue ? catalogue->find(spec.id) : nullptr;
  if (!def) return grading::Outcome::error("the run's catalogue lacks " + spec.id + " to replay");
  // The played check's own wall deadline is what is left of this one's.
  lab::LabSpec lab = ctx.lab();
  auto left = std::chrono::duration<double>(ctx.wall_deadline().at() - Clock::now()).count();
  lab.limits.wall_seconds = std::max(1, static_cast<int>(left / ctx.settings().stretch));
  std::vector<net::TraceEvent> steps;
  std::string stderr_text;
  {
    grading::Context sub(*def, lab, spec, run.settings);
    try {
      wire = def->run(sub);  // its wire verdict is the check's own business, not this one's
    } catch (const std::exception& e) {
      return grading::Outcome::error("internal error replaying " + spec.id + ": " + e.what());
    }
    settle_server(sub);
    wait_for_reports(sub, run);
    stderr_text = stop_programs(sub);
    steps = sub.trace().events();
  }
  if (auto ubsan = ubsan_report_in(stderr_text)) {
    ctx.trace().append(steps);
    return report_failure(ctx, run, *ubsan, spec.id);
  }
  auto found = take_first_report(run);
  if (found.start_failure) return grading::Outcome::error("the sanitizer could not run the program: " + *found.start_failure);
  if (!found.report) return std::nullopt;
  ctx.trace().append(steps);
  return report_failure(ctx, run, *found.report, spec.id);
}

std::string source_line(const SanitizedRun& run, const grading::SanitizerFrame& frame) {
  // The path the build's cell printed may differ from this cell's: the file is found again
  // under the instrumented program's copy of the sources.
  std::string exe = run.settings.executable;
  auto root = exe.substr(0, exe.find(run.source_marker) + run.source_marker.size());
  std::ifstream in(root + grading::student_path(frame, run.source_marker));
  std::string line;
  for (int i = 1; i <= frame.line && std::getline(in, line); ++i) {
    if (i != frame.line) continue;
    auto b = line.find_first_not_of(" \t");
    return b == std::string::npos ? "" : line.substr(b, 160);
  }
  return {};
}

grading::Outcome report_failure(grading::Context& ctx, const SanitizedRun& run, const grading::SanitizerReport& r,
                                const std::string& during) {
  nlohmann::json stacks = nlohmann::json::array();
  std::vector<const grading::SanitizerFrame*> accesses;
  std::string created;
  for (const auto& s : r.sections) {
    if (s.frames.empty()) continue;
    stacks.push_back({{"title", s.title}, {"frames", grading::student_stack(s, run.source_marker)}});
    const auto* f = first_student_frame(s, run.source_marker);
    if (!f) continue;
    if (s.title.find("created by") != std::string::npos) {
      created = created.empty() ? place_of(run, *f) : created;
    } else if (accesses.size() < 2) {
      accesses.push_back(f);
    }
  }
  if (r.tool == "ThreadSanitizer") {
    // Which of a race's two accesses came second is the threads' timing: the lines in the order of
    // the source, so that every run says the same.
    std::ranges::sort(accesses, {}, [](const auto* f) { return std::tie(f->file, f->line); });
  }
  std::vector<std::string> places;
  for (const auto* f : accesses) places.push_back(place_of(run, *f));
  if (places.empty() && !r.location.empty()) {  // UBSan without a stack: the headline's place
    grading::SanitizerFrame f;
    f.file = r.location.substr(0, r.location.find(':'));
    f.line = std::atoi(r.location.substr(r.location.find(':') + 1).c_str());
    places.push_back(place_of(run, f));
  }
  std::string message = r.kind + " at " + (places.empty() ? "" : places[0]);
  if (places.empty()) {
    // No frame of the student's: say what the report did say (the access), not a place.
    std::string access = r.sections.empty() ? "" : r.sections.front().title;
    message = r.kind + (access.empty() ? "" : ", " + access.substr(0, access.find(" at 0x"))) +
              ", at a line the report does not name (no frame of your sources in its stack)";
  }
  if (places.size() > 1) message += r.tool == "ThreadSanitizer" ? ", racing with " + places[1] : ", " + places[1];
  if (!created.empty()) message += "; the thread was created at " + created;
  message += " (" + r.tool + ", while replaying " + during + ")";
  ctx.evidence()["sanitizer_report"] = {{"tool", r.tool}, {"kind", r.kind}, {"headline", r.headline},
                                        {"at", places}, {"stacks", stacks}, {"replaying", during}};
  ctx.evidence()["sanitizer_log"] = r.text.size() > kLogKept ? r.text.substr(0, kLogKept) + "…" : r.text;
  return grading::Outcome::fail(message);
}

}  // namespace sockgrade::checks
