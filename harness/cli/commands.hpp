// The subcommands of the CLI, one file each, and what they share.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/result.hpp"
#include "lab/lab_loader.hpp"
#include "report/formats.hpp"

namespace sockgrade::cli {

enum ExitCode : int {
  kAllPassed = 0,
  kChecksFailed = 1,  // a check or the build failed
  kBadInput = 2,      // bad usage, a missing file, a broken lab file
  kInternal = 3,      // the harness failed (including a check that ended in error)
};

// A lab name or path → a loaded, validated lab; errors are one line for the user.
Result<lab::LabSpec> load_lab(const std::string& name_or_path);
// The same, with the file each value came from ("extends", defaults).
Result<lab::ResolvedLab> load_resolved_lab(const std::string& name_or_path);

// Each registers its subcommand; the callback stores its exit code in `exit_code`.
void add_test_command(CLI::App& app, int& exit_code);
void add_labs_command(CLI::App& app, int& exit_code);
void add_explain_command(CLI::App& app, int& exit_code);
void add_lab_command(CLI::App& app, int& exit_code);
void add_proxy_command(CLI::App& app, int& exit_code);
void add_doctor_command(CLI::App& app, int& exit_code);
void add_grade_command(CLI::App& app, int& exit_code);
void add_merge_command(CLI::App& app, int& exit_code);
void add_render_command(CLI::App& app, int& exit_code);
void add_render_batch_command(CLI::App& app, int& exit_code);

// One `--report FORMAT=FILE`: the format and where it goes ("-" is standard output).
struct ReportRequest {
  const report::Format* format = nullptr;
  std::string path;
};
// "junit=out.xml" → its request; an unknown format or a missing FILE is a one-line error.
Result<ReportRequest> parse_report_request(const std::string& spec);
// Before any work: at most one report on standard output, every file's directory exists.
Result<void> check_report_requests(const std::vector<ReportRequest>& requests);
// "unknown report format 'x' (one of json, text, ...)".
Error unknown_format_error(const std::string& name);

// "sockgrade: <message>" on stderr.
void print_error(const std::string& message);
// True when `r` failed, after printing its message: `if (printed_error(lab)) return kBadInput;`.
template <typename T>
bool printed_error(const Result<T>& r) {
  if (!r) print_error(r.error().message);
  return !r;
}

}  // namespace sockgrade::cli
