#include "lab/build.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>

#include "cell/program.hpp"
#include "core/clock.hpp"
#include "core/strings.hpp"
#include "lab/sanitized_build.hpp"

namespace sockgrade::lab {
namespace fs = std::filesystem;
namespace {

int count_warnings(const std::string& log) {
  int n = 0;
  std::size_t pos = 0;
  while ((pos = log.find("warning:", pos)) != std::string::npos) {
    ++n;
    pos += 8;
  }
  return n;
}

bool is_cpp(const fs::path& p) {
  auto e = p.extension().string();
  return e == ".cpp" || e == ".cc" || e == ".cxx";
}

// Copies regular files and directories only: links in a submission must not reach outside it
// (nor the sanitized copies into each other).
void copy_sources(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to, ec);
  for (auto it = fs::recursive_directory_iterator(from, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    auto rel = fs::relative(it->path(), from, ec);
    if (it->is_symlink(ec)) continue;
    if (in_sanitized_copy(rel)) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_directory(ec)) {
      fs::create_directories(to / rel, ec);
    } else if (it->is_regular_file(ec)) {
      fs::copy_file(it->path(), to / rel, fs::copy_options::overwrite_existing, ec);
    }
  }
}

// The build runs as the cell's unprivileged uid: the copies the harness made must be its own.
void give_tree(const fs::path& root, uid_t uid, gid_t gid) {
  std::error_code ec;
  ::lchown(root.c_str(), uid, gid);
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    ::lchown(it->path().c_str(), uid, gid);
  }
}

// Executable regular files under `dir` (no links), with their modification times: the build's
// result is what is new or rewritten afterwards.
std::map<fs::path, fs::file_time_type> executables_in(const fs::path& dir) {
  std::map<fs::path, fs::file_time_type> found;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_symlink(ec) || !it->is_regular_file(ec)) continue;
    if (::access(it->path().c_str(), X_OK) != 0) continue;
    auto rel = fs::relative(it->path(), dir, ec);
    if (in_sanitized_copy(rel)) continue;  // the memory checks' builds, not this one's
    found[rel] = it->last_write_time(ec);
  }
  return found;
}

std::vector<fs::path> new_executables(const std::map<fs::path, fs::file_time_type>& before,
                                      const std::map<fs::path, fs::file_time_type>& after) {
  std::vector<fs::path> fresh;
  for (const auto& [path, mtime] : after) {
    auto it = before.find(path);
    if (it == before.end() || it->second != mtime) fresh.push_back(path);
  }
  return fresh;
}

// After a build that succeeded: the executable the lab names, or else the only new one (with a
// note saying so), or a one-line failure naming what was found.
void pick_executable(BuildOutcome& b, const fs::path& src, const std::string& wanted,
                     const std::vector<fs::path>& fresh) {
  fs::path exe = src / wanted;
  if (fs::is_regular_file(exe) && ::access(exe.c_str(), X_OK) == 0) {
    b.status = "ok";
    b.executable = exe;
    b.program_name = wanted;
    return;
  }
  if (fresh.size() == 1) {
    b.status = "ok";
    b.executable = src / fresh.front();
    b.program_name = fresh.front().string();
    b.message = "the build produced no executable named '" + wanted + "' but one other, '" + fresh.front().string() +
                "', which was graded";
    return;
  }
  b.status = "failed";
  if (fresh.empty()) {
    b.message = "the build succeeded but produced no executable named '" + wanted + "', nor any other executable";
    return;
  }
  std::vector<std::string> names;
  for (const auto& p : fresh) names.push_back("'" + p.string() + "'");
  if (names.size() > 5) names.resize(5), names.push_back("…");
  b.message = "the build succeeded but produced no executable named '" + wanted + "' and " +
              std::to_string(fresh.size()) + " others (" + join(names, ", ") + "): name the program '" + wanted + "'";
}

}  // namespace

std::vector<std::string> expand_compile_command(const std::vector<std::string>& tmpl, const std::string& executable,
                                                const std::vector<std::string>& sources) {
  std::vector<std::string> out;
  for (const auto& arg : tmpl) {
    if (arg == "{sources}") {
      out.insert(out.end(), sources.begin(), sources.end());
    } else if (arg == "{executable}") {
      out.push_back(executable);
    } else {
      out.push_back(arg);
    }
  }
  return out;
}

Result<void> stage_sources(const Submission& sub, const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return error_result("cannot create " + dir.string() + ": " + ec.message());
  copy_sources(sub.path, dir);
  return {};
}

namespace {

// The lab's make command when the submission has a Makefile, else its compile command over the
// C (or C++) sources at the top of the submission.
bool has_makefile(const fs::path& src) {
  return fs::exists(src / "Makefile") || fs::exists(src / "makefile") || fs::exists(src / "GNUmakefile");
}

std::vector<std::string> build_command(const fs::path& src, const BuildRule& rule) {
  if (has_makefile(src)) return rule.make;
  std::vector<std::string> sources;
  bool cpp = false;
  for (const auto& e : fs::directory_iterator(src)) {
    auto ext = e.path().extension().string();
    if (ext == ".c" || is_cpp(e.path())) {
      sources.push_back(e.path().filename().string());
      cpp = cpp || is_cpp(e.path());
    }
  }
  std::sort(sources.begin(), sources.end());
  return expand_compile_command(cpp && !rule.cpp.empty() ? rule.cpp : rule.c, rule.executable, sources);
}

std::string shell_command(const std::vector<std::string>& command) {
  std::vector<std::string> q;
  for (const auto& a : command) q.push_back(shell_quote(a));
  return join(q, " ");
}

cell::LaunchSpec build_launch_spec(const std::vector<std::string>& command, const BuildRule& rule,
                                   const cell::Limits& limits, const BuildPlace& place) {
  cell::LaunchSpec spec;
  spec.executable = command.front();
  spec.args.assign(command.begin() + 1, command.end());
  spec.env = cell::minimal_environment(place.home);
  spec.env.push_back("TMPDIR=" + place.home);
  spec.cwd = place.src.string();
  spec.identity = place.identity;
  spec.cgroup_fds = place.cgroup_fds;
  spec.seccomp = place.seccomp;
  spec.limits = limits;
  spec.limits.cpu_seconds = std::max(rule.timeout_seconds, 1);
  spec.limits.address_space_bytes = 4ull << 30;  // compilers need room
  spec.limits.file_size_bytes = 512ull << 20;
  spec.limits.open_files = 1024;
  return spec;
}

}  // namespace

namespace {

// One build command started in the calling process, then waited for.
struct RunningBuild {
  std::unique_ptr<cell::Program> program;
  std::string start_error;
  Stopwatch clock;
};

struct FinishedBuild {
  std::string failure;  // "" when it exited 0
  std::string log;
  double duration_ms = 0;
};

RunningBuild start_build(const std::vector<std::string>& command, const BuildRule& rule, const cell::Limits& limits,
                         const BuildPlace& place, const fs::path& cwd) {
  RunningBuild r;
  cell::LaunchSpec spec = build_launch_spec(command, rule, limits, place);
  spec.cwd = cwd.string();
  auto program = cell::Program::start(spec);
  if (!program) {
    r.start_error = program.error().message;
  } else {
    r.program = std::move(program).value();
  }
  return r;
}

FinishedBuild finish_build(RunningBuild& r, const BuildRule& rule, Deadline deadline) {
  FinishedBuild f;
  if (!r.program) {
    f.failure = r.start_error;
    f.log = r.start_error + "\n";
    f.duration_ms = r.clock.elapsed_ms();
    return f;
  }
  auto verdict = r.program->wait(deadline);
  bool timed_out = verdict.running();
  if (timed_out) verdict = r.program->kill();
  r.program->finish_output(500);
  f.log = r.program->stdout_capture().text() + r.program->stderr_capture().text();
  f.duration_ms = r.clock.elapsed_ms();
  if (timed_out) {
    f.failure = "the build did not finish within " + std::to_string(rule.timeout_seconds) + " s";
  } else if (!(verdict.kind == cell::Verdict::Kind::exited && verdict.exit_code == 0)) {
    f.failure = "the build failed (" + verdict.describe() + ")";
  }
  return f;
}

// A sanitized copy's outcome: its program is the one the ordinary build graded, at the same
// place in the copy, and it counts only when the sanitizer's runtime is in it.
SanitizedBuild sanitized_outcome(const std::string& sanitizer, const std::string& command, const FinishedBuild& f,
                                 const BuildOutcome& ordinary, const fs::path& src, bool make) {
  SanitizedBuild s{.sanitizer = sanitizer, .command = command, .duration_ms = f.duration_ms};
  if (!f.failure.empty()) {
    s.status = "failed";
    std::string last = f.log.substr(0, f.log.find_last_not_of("\n") + 1);
    last = last.substr(last.rfind('\n') == std::string::npos ? 0 : last.rfind('\n') + 1);
    s.message = "the build with -fsanitize=" + sanitizer + " failed where the ordinary build succeeded: " +
                f.failure + (last.empty() ? "" : " (" + last.substr(0, 200) + ")");
    return s;
  }
  fs::path rel = fs::path(sanitized_dir_name(sanitizer)) / ordinary.program_name;
  auto instrumented = is_instrumented(src / rel, sanitizer);
  if (!instrumented) {
    s.status = "failed";
    s.message = "the build with -fsanitize=" + sanitizer + " left no '" + ordinary.program_name + "': " +
                instrumented.error().message;
  } else if (!*instrumented) {
    s.status = "uninstrumented";
    s.message = uninstrumented_reason(ordinary.program_name, sanitizer, make);
  } else {
    s.status = "ok";
    s.program_name = rel.string();
  }
  return s;
}

}  // namespace

BuildOutcome build_here(const Submission& sub, const BuildRule& rule, const cell::Limits& limits,
                        const BuildPlace& place, const std::vector<std::string>& sanitizers) {
  BuildOutcome b;
  if (sub.kind == Submission::Kind::executable) {
    b.status = "skipped";
    b.executable = sub.path;
    b.message = "an executable was given: nothing to build";
    for (const auto& s : sanitizers) {
      b.sanitized.push_back({.sanitizer = s, .message = "an executable was given: the memory checks need the sources"});
    }
    return b;
  }
  const fs::path& src = place.src;
  bool make = has_makefile(src);
  std::vector<std::string> command = build_command(src, rule);
  b.command = shell_command(command);
  // The copies first (the ordinary build must not see them as its output), then every build at once.
  for (const auto& s : sanitizers) {
    copy_sources(src, src / sanitized_dir_name(s));
    if (place.identity) give_tree(src / sanitized_dir_name(s), place.identity->uid, place.identity->gid);
  }
  const auto executables_before = executables_in(src);
  RunningBuild ordinary = start_build(command, rule, limits, place, src);
  std::vector<std::vector<std::string>> instrumented_commands;
  std::vector<RunningBuild> instrumented;
  for (const auto& s : sanitizers) {
    instrumented_commands.push_back(sanitized_command(command, make, s));
    instrumented.push_back(start_build(instrumented_commands.back(), rule, limits, place, src / sanitized_dir_name(s)));
  }
  auto deadline = Deadline::after(std::chrono::seconds(rule.timeout_seconds));
  FinishedBuild done = finish_build(ordinary, rule, deadline);
  b.log = done.log;
  b.warnings = count_warnings(b.log);
  b.duration_ms = done.duration_ms;
  if (!done.failure.empty()) {
    b.status = "failed";
    b.message = done.failure;
  } else {
    pick_executable(b, src, rule.executable, new_executables(executables_before, executables_in(src)));
  }
  for (std::size_t i = 0; i < sanitizers.size(); ++i) {
    FinishedBuild f = finish_build(instrumented[i], rule, deadline);
    std::string cmd = shell_command(instrumented_commands[i]);
    if (b.status != "ok") {
      b.sanitized.push_back({.sanitizer = sanitizers[i], .command = cmd, .message = "the ordinary build did not succeed"});
    } else {
      b.sanitized.push_back(sanitized_outcome(sanitizers[i], cmd, f, b, src, make));
    }
  }
  return b;
}

nlohmann::json build_to_json(const BuildOutcome& b) {
  nlohmann::json sanitized = nlohmann::json::array();
  for (const auto& s : b.sanitized) {
    sanitized.push_back({{"sanitizer", s.sanitizer}, {"status", s.status}, {"command", s.command},
                         {"program_name", s.program_name}, {"message", s.message}, {"duration_ms", s.duration_ms}});
  }
  return {{"status", b.status}, {"command", b.command}, {"log", b.log},
          {"warnings", b.warnings}, {"duration_ms", b.duration_ms},
          {"executable", b.executable.string()}, {"program_name", b.program_name}, {"message", b.message},
          {"sanitized", sanitized}};
}

BuildOutcome build_from_json(const nlohmann::json& j) {
  BuildOutcome b;
  b.status = j.value("status", "failed");
  b.command = j.value("command", "");
  b.log = j.value("log", "");
  b.warnings = j.value("warnings", 0);
  b.duration_ms = j.value("duration_ms", 0.0);
  b.executable = j.value("executable", "");
  b.program_name = j.value("program_name", "");
  b.message = j.value("message", "");
  for (const auto& s : j.value("sanitized", nlohmann::json::array())) {
    b.sanitized.push_back({.sanitizer = s.value("sanitizer", ""), .status = s.value("status", "failed"),
                           .command = s.value("command", ""), .program_name = s.value("program_name", ""),
                           .message = s.value("message", ""), .duration_ms = s.value("duration_ms", 0.0)});
  }
  return b;
}

}  // namespace sockgrade::lab
