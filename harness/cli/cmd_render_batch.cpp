// sockgrade render-batch DIR: makes a batch's views again from its reports, without grading:
// the gradebook, the summary, each report's HTML page and the dashboard (DIR/index.html), the
// same bytes `sockgrade grade` or `sockgrade merge` wrote from the same reports. For a report
// dropped in by hand, or an output directory from an older sockgrade. Exit 0, or 2.
#include <cstdio>

#include "batch/class_files.hpp"
#include "cli/commands.hpp"

namespace sockgrade::cli {
namespace {

int run_render_batch(const std::string& dir) {
  if (printed_error(batch::check_batch_output(dir))) return kBadInput;
  auto summary = batch::write_class_files(dir);
  if (printed_error(summary)) return kBadInput;
  std::fputs(summary->c_str(), stdout);
  std::printf("dashboard: %s/index.html\n", dir.c_str());
  return kAllPassed;
}

}  // namespace

void add_render_batch_command(CLI::App& app, int& exit_code) {
  static std::string dir;
  auto* cmd = app.add_subcommand("render-batch",
                                 "Make a batch's gradebook, HTML reports and dashboard (index.html) again from its reports");
  cmd->add_option("DIR", dir, "an output directory of `sockgrade grade` or `sockgrade merge`")->required();
  cmd->callback([&exit_code] { exit_code = run_render_batch(dir); });
}

}  // namespace sockgrade::cli
