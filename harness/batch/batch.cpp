#include "batch/batch.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <system_error>

#include <nlohmann/json.hpp>

#include "batch/archive.hpp"
#include "batch/gradebook.hpp"
#include "core/strings.hpp"
#include "report/json_writer.hpp"

namespace sockgrade::batch {
namespace fs = std::filesystem;
namespace {

std::atomic<int> g_stop_signal{0};
extern "C" void on_stop_signal(int sig) { g_stop_signal = sig; }

// A submission being graded by a child process.
struct Running {
  Entry entry;
  fs::path given;  // the directory the child grades: the submission, or its archive unpacked
  std::chrono::steady_clock::time_point started;
};

std::string tail_of_file(const fs::path& p, std::size_t max) {
  std::ifstream in(p, std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (s.size() > max) s = s.substr(s.size() - max);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  auto nl = s.rfind('\n');
  return nl == std::string::npos ? s : s.substr(nl + 1);  // the last line: the one-line error
}

bool report_is_complete(const fs::path& p) {
  std::ifstream in(p);
  if (!in) return false;
  try {
    auto j = nlohmann::json::parse(in);
    return j.contains("score") && j.contains("tests");
  } catch (...) {
    return false;
  }
}

class Progress {
 public:
  Progress(int total) : total_(total), tty_(::isatty(STDERR_FILENO)) {}
  void done(const std::string& id, const std::string& what) {
    ++done_;
    if (tty_) {
      int width = 30, filled = total_ ? done_ * width / total_ : width;
      std::fprintf(stderr, "\r\033[K[%s%s] %d/%d  %s: %s", std::string(static_cast<std::size_t>(filled), '#').c_str(),
                   std::string(static_cast<std::size_t>(width - filled), '.').c_str(), done_, total_, id.c_str(), what.c_str());
      if (done_ == total_) std::fputc('\n', stderr);
    } else {
      std::fprintf(stderr, "[%d/%d] %s: %s\n", done_, total_, id.c_str(), what.c_str());
    }
    std::fflush(stderr);
  }
  void finish() {
    if (tty_ && done_ != total_) std::fputc('\n', stderr);
  }

 private:
  int total_;
  int done_ = 0;
  bool tty_;
};

// fork + exec of `sockgrade test ...` in a process group of its own (so that Ctrl-C reaches
// only the batch, which then stops its children in order), stdout discarded, stderr kept.
pid_t launch(const std::vector<std::string>& argv, const fs::path& stderr_path) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::setpgid(0, 0);
  int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (null >= 0) {
    ::dup2(null, STDIN_FILENO);
    ::dup2(null, STDOUT_FILENO);
  }
  if (err >= 0) ::dup2(err, STDERR_FILENO);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execv("/proc/self/exe", args.data());
  ::_exit(127);
}

Result<void> create_output_dirs(const fs::path& out) {
  std::error_code ec;
  for (const char* sub : {"reports", "errors", ".work"}) {
    fs::create_directories(out / sub, ec);
    if (ec) return error_result("cannot create " + (out / sub).string() + ": " + ec.message());
  }
  return {};
}

// The shard's submissions to grade now: with --resume, those without a complete report yet.
std::vector<Entry> still_to_grade(const BatchRequest& req, const std::vector<Entry>& mine, BatchResult& result) {
  std::vector<Entry> pending;
  for (const auto& e : mine) {
    if (req.resume && report_is_complete(req.out / "reports" / (e.id + ".json"))) {
      ++result.skipped;
      continue;
    }
    pending.push_back(e);
  }
  if (result.skipped > 0) std::fprintf(stderr, "sockgrade: --resume: %d already graded\n", result.skipped);
  return pending;
}

// The handlers SIGINT and SIGTERM had before the batch caught them.
struct StopHandlers {
  struct sigaction old_int {}, old_term {};
};

StopHandlers catch_stop_signals() {
  g_stop_signal = 0;
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  StopHandlers old;
  ::sigaction(SIGINT, &sa, &old.old_int);
  ::sigaction(SIGTERM, &sa, &old.old_term);
  return old;
}

void restore_stop_handlers(const StopHandlers& old) {
  ::sigaction(SIGINT, &old.old_int, nullptr);
  ::sigaction(SIGTERM, &old.old_term, nullptr);
}

// One batch run: the submissions to grade, the children grading them, and the tally.
struct Batch {
  Batch(const BatchRequest& r, std::vector<Entry> todo, BatchResult& tally)
      : req(r), pending(std::move(todo)), result(tally), progress(static_cast<int>(pending.size())) {}
  const BatchRequest& req;
  std::vector<Entry> pending;
  BatchResult& result;
  Progress progress;
  std::map<pid_t, Running> running;
  std::size_t next = 0;
  const fs::path work = req.out / ".work";
};

void record_graded(Batch& b, const std::string& id, const fs::path& report, const fs::path& err_record) {
  std::error_code ec;
  fs::remove(err_record, ec);
  ++b.result.graded;
  std::ifstream in(report);
  auto j = nlohmann::json::parse(in);
  char score[64];
  std::snprintf(score, sizeof score, "%g/%g", j["score"].get<double>(), j["max_score"].get<double>());
  b.progress.done(id, score);
}

void record_not_graded(Batch& b, const Running& r, int code, const fs::path& stderr_path,
                       const fs::path& err_record) {
  const auto& id = r.entry.id;
  ++b.result.not_graded;
  // Exit 2 is bad input (an empty directory, an unusable executable): the submission's doing.
  std::string kind = code == 2 ? "rejected" : "harness-error";
  std::string why = tail_of_file(stderr_path, 2000);
  if (starts_with(why, "sockgrade: ")) why = why.substr(11);
  // The child names the submission by the path it was given, which depends on where this run
  // found (or unpacked) it; the note names it as SUBMISSIONS_DIR does, so that shards graded
  // from another mount of the directory merge into the gradebook of one run.
  why = replace_all(why, r.given.string(), r.entry.path.filename().string());
  if (code != 2) why = "sockgrade test exited with " + std::to_string(code) + ": " + why;
  auto w = report::write_file_atomically(err_record.string(), error_record(id, kind, why).dump(2) + "\n");
  if (!w) std::fprintf(stderr, "sockgrade: %s\n", w.error().message.c_str());
  b.progress.done(id, "NOT GRADED (" + why + ")");
}

// A child has exited: its report counts, or the reason it does not is recorded; its scratch goes.
void record_finished(Batch& b, const Running& r, int status) {
  const auto& id = r.entry.id;
  fs::path report = b.req.out / "reports" / (id + ".json");
  fs::path err_record = b.req.out / "errors" / (id + ".json");
  fs::path stderr_path = b.work / (id + ".stderr");
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (report_is_complete(report) && code <= 3) {
    record_graded(b, id, report, err_record);
  } else {
    record_not_graded(b, r, code, stderr_path, err_record);
  }
  std::error_code ec;
  fs::remove(stderr_path, ec);
  fs::remove_all(b.work / id, ec);
}

// The directory to grade: the submission itself, or its archive extracted under .work; nullopt
// (the submission recorded as rejected) when the archive is refused.
std::optional<fs::path> unpacked_submission(Batch& b, const Entry& e) {
  if (!e.archive) return e.path;
  std::error_code ec;
  fs::remove_all(b.work / e.id, ec);
  auto x = extract_archive(e.path, b.work / e.id);
  if (!x) {
    ++b.result.not_graded;
    auto rec = error_record(e.id, "rejected", "archive refused: " + x.error().message);
    (void)report::write_file_atomically((b.req.out / "errors" / (e.id + ".json")).string(), rec.dump(2) + "\n");
    fs::remove(b.req.out / "reports" / (e.id + ".json"), ec);
    b.progress.done(e.id, "REJECTED (" + x.error().message + ")");
    return std::nullopt;
  }
  return b.work / e.id;
}

// Starts children while submissions are left, jobs are free and no stop signal came.
Result<void> start_children(Batch& b) {
  while (!g_stop_signal && b.next < b.pending.size() && static_cast<int>(b.running.size()) < b.req.jobs) {
    const Entry& e = b.pending[b.next++];
    auto submission = unpacked_submission(b, e);
    if (!submission) continue;
    std::vector<std::string> argv = {"sockgrade", "test", b.req.lab, submission->string(),
                                     "--json", (b.req.out / "reports" / (e.id + ".json")).string(), "--color", "never"};
    argv.insert(argv.end(), b.req.test_args.begin(), b.req.test_args.end());
    pid_t pid = launch(argv, b.work / (e.id + ".stderr"));
    if (pid < 0) return unexpected(errno_error("fork"));
    b.running[pid] = Running{e, *submission, std::chrono::steady_clock::now()};
  }
  return {};
}

// Stop every child and its cells; their reports are atomic, so none is half-written.
void stop_children(Batch& b) {
  for (const auto& [pid, _] : b.running) ::kill(-pid, SIGTERM);
  for (const auto& [pid, _] : b.running) {
    int st = 0;
    ::waitpid(pid, &st, 0);
  }
  b.running.clear();
  b.result.interrupted = true;
  // A child killed while writing leaves its hidden temporary (".id.json.XXXXXX"): remove it.
  std::error_code ec;
  for (const auto& f : fs::directory_iterator(b.req.out / "reports", ec)) {
    if (f.path().filename().string().front() == '.') fs::remove(f.path(), ec);
  }
}

// Grades the pending submissions, req.jobs at a time, until all are done or a stop signal came.
Result<void> grade_pending(Batch& b) {
  while ((b.next < b.pending.size() || !b.running.empty())) {
    SG_CHECK(start_children(b));
    if (b.running.empty()) break;
    if (g_stop_signal) {
      stop_children(b);
      break;
    }
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      if (errno == ECHILD) break;
      return unexpected(errno_error("waitpid"));
    }
    auto it = b.running.find(pid);
    if (it == b.running.end()) continue;
    Running r = it->second;
    b.running.erase(it);
    record_finished(b, r, status);
  }
  return {};
}

}  // namespace

Result<BatchResult> run_batch(const BatchRequest& req) {
  SG_TRY(auto collected, collect_submissions(req.submissions));
  auto mine = shard_of(collected.entries, req.shard);
  SG_CHECK(create_output_dirs(req.out));
  for (const auto& name : collected.ignored) {
    std::fprintf(stderr, "sockgrade: ignored %s (neither a directory nor a .tar.gz/.tgz/.tar/.zip archive)\n",
                 name.c_str());
  }

  BatchResult result;
  std::vector<Entry> pending = still_to_grade(req, mine, result);
  StopHandlers old_handlers = catch_stop_signals();
  Batch b(req, std::move(pending), result);
  SG_CHECK(grade_pending(b));
  // Interrupted between two submissions: no child was running, but the batch is not done.
  if (g_stop_signal && b.next < b.pending.size()) result.interrupted = true;
  b.progress.finish();
  restore_stop_handlers(old_handlers);
  std::error_code ec;
  fs::remove_all(b.work, ec);
  return result;
}

}  // namespace sockgrade::batch
