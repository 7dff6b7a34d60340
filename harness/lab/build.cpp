#include "lab/build.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <map>

#include "cell/program.hpp"
#include "core/clock.hpp"
#include "core/strings.hpp"

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

// Copies regular files and directories only: links in a submission must not reach outside it.
void copy_sources(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(from, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    auto rel = fs::relative(it->path(), from, ec);
    if (it->is_symlink(ec)) continue;
    if (it->is_directory(ec)) {
      fs::create_directories(to / rel, ec);
    } else if (it->is_regular_file(ec)) {
      fs::copy_file(it->path(), to / rel, fs::copy_options::overwrite_existing, ec);
    }
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
    found[fs::relative(it->path(), dir, ec)] = it->last_write_time(ec);
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
std::vector<std::string> build_command(const fs::path& src, const BuildRule& rule) {
  bool has_makefile = fs::exists(src / "Makefile") || fs::exists(src / "makefile") || fs::exists(src / "GNUmakefile");
  if (has_makefile) return rule.make;
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

BuildOutcome build_here(const Submission& sub, const BuildRule& rule, const cell::Limits& limits,
                        const BuildPlace& place) {
  BuildOutcome b;
  if (sub.kind == Submission::Kind::executable) {
    b.status = "skipped";
    b.executable = sub.path;
    b.message = "an executable was given: nothing to build";
    return b;
  }
  Stopwatch clock;
  const fs::path& src = place.src;
  std::vector<std::string> command = build_command(src, rule);
  b.command = shell_command(command);
  cell::LaunchSpec spec = build_launch_spec(command, rule, limits, place);
  const auto executables_before = executables_in(src);
  auto program = cell::Program::start(spec);
  if (!program) {
    b.status = "failed";
    b.message = program.error().message;
    b.log = b.message + "\n";
    b.duration_ms = clock.elapsed_ms();
    return b;
  }
  auto& prog = **program;
  auto verdict = prog.wait(Deadline::after(std::chrono::seconds(rule.timeout_seconds)));
  bool timed_out = verdict.running();
  if (timed_out) verdict = prog.kill();
  prog.finish_output(500);
  b.log = prog.stdout_capture().text() + prog.stderr_capture().text();
  b.warnings = count_warnings(b.log);
  b.duration_ms = clock.elapsed_ms();

  if (timed_out) {
    b.status = "failed";
    b.message = "the build did not finish within " + std::to_string(rule.timeout_seconds) + " s";
  } else if (!(verdict.kind == cell::Verdict::Kind::exited && verdict.exit_code == 0)) {
    b.status = "failed";
    b.message = "the build failed (" + verdict.describe() + ")";
  } else {
    pick_executable(b, src, rule.executable, new_executables(executables_before, executables_in(src)));
  }
  return b;
}

nlohmann::json build_to_json(const BuildOutcome& b) {
  return {{"status", b.status}, {"command", b.command}, {"log", b.log},
          {"warnings", b.warnings}, {"duration_ms", b.duration_ms},
          {"executable", b.executable.string()}, {"program_name", b.program_name}, {"message", b.message}};
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
  return b;
}

}  // namespace sockgrade::lab
