// sockgrade lab check FILE, sockgrade lab try FILE REFERENCE [FIXTURE...]: the loop an instructor
// iterates in while writing a lab. `check` loads it as grading would ("extends", defaults, every
// check id and parameter) and says what it resolved to, or the one-line error; `try` grades the
// reference, which must score every point, and shows what each fixture (a program with a known
// bug) gets, so that the instructor sees each bug cost points in its own check and nowhere else.
#include <cstdio>
#include <filesystem>
#include <set>
#include <string_view>

#include "scenario/lab_catalogue.hpp"
#include "cell/isolation.hpp"
#include "checks/catalogue.hpp"
#include "scenario/run.hpp"
#include "cli/commands.hpp"
#include "core/strings.hpp"
#include "grading/runner.hpp"
#include "report/view.hpp"

namespace sockgrade::cli {
namespace {

namespace fs = std::filesystem;
using report::format_points;

// "18 checks in 7 categories, out of 100 points; a TCP server; contract echo-server.md"
std::string summary(const lab::LabSpec& lab) {
  std::set<std::string_view> categories;
  for (const auto& c : lab.checks) categories.insert(checks::category_of(c.id));
  double total = 0;
  for (const auto& c : lab.checks) total += c.weight;
  std::string out = std::to_string(lab.checks.size()) + " checks in " + std::to_string(categories.size()) +
                    (categories.size() == 1 ? " category" : " categories") + ", out of " + format_points(total) +
                    " points; a " + std::string(lab::transport_name(lab.transport)) + " " + lab.role;
  return out + (lab.contract.empty() ? "; no contract" : "; contract " + fs::path(lab.contract).filename().string());
}

int check_lab(const std::string& file) {
  auto lab = load_lab(file);
  if (!lab) {
    print_error(lab.error().message);
    return kBadInput;
  }
  // A contract named but absent would leave students without the text they are graded against.
  if (!lab->contract.empty() && !fs::exists(lab->file.parent_path() / lab->contract) && !fs::exists(lab->contract)) {
    print_error(file + ": /contract: " + lab->contract + " not found beside the lab file");
    return kBadInput;
  }
  std::printf("%s: ok, %s\n", file.c_str(), summary(*lab).c_str());
  return kAllPassed;
}

// "78/100; not passed: sigpipe.peer-vanishes (failed), shutdown.half-close (timeout)"
std::string outcome_line(const report::Report& r) {
  if (r.build.status == "failed") return "the build failed (" + r.build.command + ")";
  std::string line = format_points(r.score) + "/" + format_points(r.max_score);
  std::vector<std::string> not_passed;
  for (const auto& t : r.tests) {
    if (t.status != "passed") not_passed.push_back(t.id + " (" + t.status + ")");
  }
  return line + (not_passed.empty() ? "; every check passed" : "; not passed: " + join(not_passed, ", "));
}

Result<report::Report> grade(const lab::LabSpec& lab, const std::string& lab_arg, const std::string& path) {
  SG_TRY(auto submission, lab::resolve_submission(path));
  SG_TRY(auto isolation, cell::isolation_for_mode("auto"));
  grading::RunRequest req;
  auto catalogue = checks::catalogue_for(lab);
  req.catalogue = catalogue.get();
  req.lab = lab;
  req.submission = submission;
  req.isolation = isolation;
  req.lab_arg = lab_arg;
  req.submission_arg = path;
  return grading::run_lab(req, lab.checks);
}

int try_lab(const std::string& file, const std::string& reference, const std::vector<std::string>& fixtures) {
  auto lab = load_lab(file);
  if (!lab) {
    print_error(lab.error().message);
    return kBadInput;
  }
  std::printf("%s: %s\n", file.c_str(), summary(*lab).c_str());
  auto ref = grade(*lab, file, reference);
  if (!ref) {
    print_error(ref.error().message);
    return kBadInput;
  }
  const bool full = ref->build.status != "failed" && ref->complete() && ref->score == ref->max_score;
  std::printf("reference %s: %s%s\n", reference.c_str(), outcome_line(*ref).c_str(),
              full ? "" : "  <- the reference must score every point: fix the lab or the reference");
  std::fflush(stdout);
  for (const auto& fixture : fixtures) {
    auto r = grade(*lab, file, fixture);
    std::printf("fixture %s: %s\n", fixture.c_str(), r ? outcome_line(*r).c_str() : r.error().message.c_str());
    std::fflush(stdout);
  }
  if (ref->count("error") > 0) return kInternal;
  return full ? kAllPassed : kChecksFailed;
}

}  // namespace

void add_lab_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("lab", "Check a lab file, or try it on a reference and fixtures");
  cmd->require_subcommand(1);
  static std::string check_file, try_file, reference;
  static std::vector<std::string> fixtures;
  auto* check = cmd->add_subcommand("check", "Load a lab file as grading would and say what it resolves to");
  check->add_option("FILE", check_file, "a lab JSON file (or a bundled lab name)")->required();
  check->callback([&exit_code] { exit_code = check_lab(check_file); });
  auto* attempt = cmd->add_subcommand(
      "try", "Grade the reference (it must score every point) and show what each fixture gets");
  attempt->add_option("FILE", try_file, "a lab JSON file (or a bundled lab name)")->required();
  attempt->add_option("REFERENCE", reference, "the model solution: a directory of sources, or an executable")
      ->required();
  attempt->add_option("FIXTURE", fixtures, "programs with known bugs, each graded the same way");
  attempt->callback([&exit_code] { exit_code = try_lab(try_file, reference, fixtures); });
}

}  // namespace sockgrade::cli
