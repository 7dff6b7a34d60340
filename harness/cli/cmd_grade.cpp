// sockgrade grade LAB SUBMISSIONS_DIR --out DIR: the instructor's batch (one report per
// submission, a gradebook CSV, a summary, the HTML reports and the class dashboard); exit 0 when every submission was graded (whatever its
// score), 1 when some could not be, 2 for bad input, 130 when interrupted (--resume goes on).
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "batch/batch.hpp"
#include "batch/class_files.hpp"
#include "cell/isolation.hpp"
#include "cli/commands.hpp"

namespace sockgrade::cli {
namespace {

struct GradeArgs {
  std::string lab;
  std::string submissions;
  std::string out;
  int jobs = 0;
  std::string shard = "0/1";
  bool resume = false;
  std::string isolation = "auto";
  double stretch = 1.0;
};

// Submissions graded at once when --jobs is not given. A grading leaves the CPUs idle about a
// third of its time (its build before its checks, deadlines and quiet windows it waits out), so
// with network namespaces two gradings per CPU keep them busy: on 2 CPUs, the class-like mix of
// bench/batch_throughput.sh went from 55 to 73 a minute, every grade the same. Without network
// namespaces the cells of all gradings share the host's ports: one per CPU, as always.
int default_jobs(const std::string& isolation) {
  long cores = ::sysconf(_SC_NPROCESSORS_ONLN);
  int per_cpu = 1;
  if (auto iso = cell::isolation_for_mode(isolation); iso && iso->netns) per_cpu = 2;
  // At most what --jobs accepts: each grading runs up to 6 cells of its own.
  return std::min(64, static_cast<int>(cores > 0 ? cores : 2) * per_cpu);
}

int run_grade(const GradeArgs& args) {
  // The lab is checked once here, so that a typo is one error, not one per submission.
  auto lab = load_lab(args.lab);
  if (printed_error(lab)) return kBadInput;
  auto shard = batch::parse_shard(args.shard);
  if (printed_error(shard)) return kBadInput;
  batch::BatchRequest req;
  req.lab = args.lab;
  req.submissions = args.submissions;
  req.out = args.out;
  req.jobs = args.jobs > 0 ? args.jobs : default_jobs(args.isolation);
  req.shard = *shard;
  req.resume = args.resume;
  req.test_args = {"--isolation", args.isolation};
  if (args.stretch != 1.0) req.test_args.insert(req.test_args.end(), {"--stretch", std::to_string(args.stretch)});
  auto result = batch::run_batch(req);
  if (printed_error(result)) return kBadInput;
  if (result->interrupted) {
    std::fprintf(stderr, "sockgrade: interrupted after %d graded; `sockgrade grade ... --resume` goes on\n", result->graded);
    return 130;
  }
  auto summary = batch::write_class_files(req.out);
  if (printed_error(summary)) return kInternal;
  std::fputs(summary->c_str(), stdout);
  std::printf("gradebook: %s, reports: %s/, dashboard: %s\n", (req.out / "gradebook.csv").c_str(),
              (req.out / "reports").c_str(), (req.out / "index.html").c_str());
  return result->not_graded > 0 ? kChecksFailed : kAllPassed;
}

}  // namespace

void add_grade_command(CLI::App& app, int& exit_code) {
  static GradeArgs args;
  auto* cmd = app.add_subcommand("grade", "Grade every submission of a directory (batch): reports, gradebook, summary, dashboard");
  cmd->add_option("LAB", args.lab, "a bundled lab name or a path to a lab JSON file")->required();
  cmd->add_option("SUBMISSIONS_DIR", args.submissions,
                  "one submission per subdirectory or per archive (.tar.gz, .tgz, .tar, .zip)")
      ->required();
  cmd->add_option("--out", args.out, "output directory: reports/<id>.json and .html, gradebook.csv, summary.txt, index.html")->required();
  cmd->add_option("--jobs", args.jobs, "submissions graded at once (default: twice the CPUs with network namespaces, else the CPUs)")->check(CLI::Range(1, 64));
  cmd->add_option("--shard", args.shard, "grade only shard I of N (0-based, e.g. 0/4); merge the outputs with `sockgrade merge`");
  cmd->add_flag("--resume", args.resume, "skip submissions that already have a report in --out");
  cmd->add_option("--isolation", args.isolation, "auto, strict or none (as for `sockgrade test`)")
      ->check(CLI::IsMember({"auto", "strict", "none"}));
  cmd->add_option("--stretch", args.stretch, "multiply every deadline by F")->check(CLI::Range(0.1, 100.0));
  cmd->callback([&exit_code] { exit_code = run_grade(args); });
}

}  // namespace sockgrade::cli
