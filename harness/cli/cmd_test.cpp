// sockgrade test LAB SUBMISSION: grade one submission, print the terminal view, optionally
// write the JSON report, and exit 0 (all passed), 1 (a check or the build failed), 2 (bad
// input) or 3 (the harness failed).
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "scenario/lab_catalogue.hpp"
#include "cell/isolation.hpp"
#include "checks/catalogue.hpp"
#include "scenario/run.hpp"
#include "cli/commands.hpp"
#include "grading/runner.hpp"
#include "core/strings.hpp"
#include "report/formats.hpp"
#include "report/json_writer.hpp"
#include "report/text_writer.hpp"

namespace sockgrade::cli {
namespace {

struct TestArgs {
  std::string lab;
  std::string submission;
  std::string json_path;
  std::vector<std::string> reports;  // FORMAT=FILE
  std::vector<std::string> only;
  std::optional<uint64_t> seed;
  double stretch = 1.0;
  int jobs = 0;
  bool verbose = false;
  bool trace_all = false;
  std::string isolation = "auto";
  std::string color = "auto";
};

Result<std::vector<ReportRequest>> report_requests(const TestArgs& args) {
  std::vector<ReportRequest> requests;
  if (!args.json_path.empty()) requests.push_back({report::find_format("json"), args.json_path});
  for (const auto& spec : args.reports) {
    SG_TRY(auto req, parse_report_request(spec));
    requests.push_back(req);
  }
  SG_CHECK(check_report_requests(requests));
  return requests;
}

// --only GLOB, repeated or comma-separated.
std::vector<std::string> only_globs(const std::vector<std::string>& only) {
  std::vector<std::string> globs;
  for (const auto& o : only) {
    for (auto& g : split(o, ',')) {
      if (!g.empty()) globs.push_back(g);
    }
  }
  return globs;
}

// What to grade and how: the lab, the submission, the checks selected and the isolation.
struct Grading {
  std::shared_ptr<const grading::Catalogue> catalogue;  // the built-in checks and the lab's scenarios
  grading::RunRequest req;
  std::vector<lab::CheckSpec> selected;
};

Result<Grading> prepare_grading(const TestArgs& args) {
  SG_TRY(auto lab, load_lab(args.lab));
  SG_TRY(auto submission, lab::resolve_submission(args.submission));
  Grading g;
  SG_TRY(g.selected, grading::select_checks(lab, only_globs(args.only)));
  grading::RunRequest& req = g.req;
  g.catalogue = checks::catalogue_for(lab);
  req.catalogue = g.catalogue.get();
  req.lab = lab;
  req.submission = submission;
  req.seed = args.seed;
  req.stretch = args.stretch;
  req.jobs = args.jobs;
  SG_TRY(req.isolation, cell::isolation_for_mode(args.isolation));
  req.trace_all = args.trace_all;
  req.lab_arg = args.lab;
  req.submission_arg = args.submission;
  return g;
}

// The terminal view, on stderr when a report goes to standard output.
void print_text_view(const report::Report& rep, const TestArgs& args, const std::vector<ReportRequest>& requests) {
  bool report_to_stdout = false;
  for (const auto& r : requests) report_to_stdout = report_to_stdout || r.path == "-";
  report::TextOptions text;
  FILE* text_out = report_to_stdout ? stderr : stdout;
  text.color = args.color == "always" || (args.color == "auto" && ::isatty(::fileno(text_out)) && !std::getenv("NO_COLOR"));
  text.verbose = args.verbose;
  auto rendered = report::render_text(rep, text);
  std::fwrite(rendered.data(), 1, rendered.size(), text_out);
  std::fflush(text_out);
}

int exit_code_of(const report::Report& rep) {
  if (rep.count("error") > 0) return kInternal;
  // A skipped check scored nothing (it could not be verified): not "all passed" either.
  if (rep.build.status == "failed" || rep.count("failed") + rep.count("timeout") + rep.count("skipped") > 0) {
    return kChecksFailed;
  }
  return kAllPassed;
}

int run_test(const TestArgs& args) {
  // Report requests are checked before grading, which can take minutes.
  auto requests = report_requests(args);
  if (!requests) {
    print_error(requests.error().message);
    return kBadInput;
  }
  auto prepared = prepare_grading(args);
  if (!prepared) {
    print_error(prepared.error().message);
    return kBadInput;
  }
  auto rep = grading::run_lab(prepared->req, prepared->selected);
  print_text_view(rep, args, *requests);
  for (const auto& r : *requests) {
    auto w = report::write_output(r.path, r.format->render(rep));
    if (!w) {
      print_error(w.error().message);
      return kBadInput;
    }
  }
  return exit_code_of(rep);
}

}  // namespace

void add_test_command(CLI::App& app, int& exit_code) {
  static TestArgs args;
  auto* cmd = app.add_subcommand("test", "Grade one submission on a lab and print the results");
  cmd->add_option("LAB", args.lab, "a bundled lab name (see `sockgrade labs`) or a path to a lab JSON file")->required();
  cmd->add_option("SUBMISSION", args.submission, "a directory of sources, or an executable")->required();
  cmd->add_option("--json", args.json_path, "write the JSON report to FILE (- for standard output)");
  cmd->add_option("--report", args.reports,
                  "write the report as FORMAT to FILE (- for standard output), repeatable; FORMAT is one of " +
                      report::format_names())
      ->type_name("FORMAT=FILE")
      ->allow_extra_args(false);  // one value per --report: never swallow LAB or SUBMISSION
  cmd->add_option("--only", args.only, "run only the checks whose id matches GLOB (repeatable, or comma-separated)");
  cmd->add_option("--seed", args.seed, "seed of every payload and schedule (default: from the submission's hash)");
  cmd->add_option("--stretch", args.stretch, "multiply every deadline by F, for slow machines")
      ->check(CLI::Range(0.1, 100.0));
  cmd->add_option("--jobs", args.jobs, "checks run at once (default 6 with network namespaces, else 1)")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--isolation", args.isolation,
                  "auto: use what the machine allows; strict: refuse to grade unless every layer is there; "
                  "none: process groups and rlimits only (debugging)")
      ->check(CLI::IsMember({"auto", "strict", "none"}));
  cmd->add_option("--color", args.color, "auto, always or never")->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->add_flag("--trace", args.trace_all, "keep the event trace of passed checks too (JSON report)");
  cmd->add_flag("-v,--verbose", args.verbose, "whole traces and build logs in the terminal view");
  cmd->callback([&exit_code] { exit_code = run_test(args); });
}

}  // namespace sockgrade::cli
