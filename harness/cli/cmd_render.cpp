// sockgrade render REPORT.json --format FORMAT [--out FILE]: another view of a JSON report
// already written (the batch makes each submission's HTML report from its JSON report the same way,
// without grading again). Exit 0, or 2 when the report or the format is bad.
#include <fstream>
#include <iostream>
#include <iterator>

#include "cli/commands.hpp"
#include "report/model.hpp"

namespace sockgrade::cli {
namespace {

struct RenderArgs {
  std::string report_path;
  std::string format;
  std::string out = "-";
};

Result<report::Report> read_report(const std::string& path) {
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) return unexpected(errno_error("cannot read " + path));
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return error_result(path + " is not JSON (expected a sockgrade report)");
  if (doc.value("schema", "") != "sockgrade.report/1") {
    return error_result(path + " is not a sockgrade report (its \"schema\" is not \"sockgrade.report/1\")");
  }
  try {
    return report::report_from_json(doc);
  } catch (const nlohmann::json::exception& e) {
    // Keep the library's message but one line: "[json.exception.out_of_range.403] key 'x' not found".
    return error_result(path + " is an incomplete sockgrade report: " + std::string(e.what()));
  }
}

int run_render(const RenderArgs& args) {
  const report::Format* format = report::find_format(args.format);
  if (!format) {
    print_error(unknown_format_error(args.format).message);
    return kBadInput;
  }
  if (printed_error(check_report_requests({{format, args.out}}))) return kBadInput;
  auto rep = read_report(args.report_path);
  if (printed_error(rep)) return kBadInput;
  if (printed_error(report::write_output(args.out, format->render(*rep)))) return kBadInput;
  return kAllPassed;
}

}  // namespace

void add_render_command(CLI::App& app, int& exit_code) {
  static RenderArgs args;
  auto* cmd = app.add_subcommand("render", "Render a JSON report in another format (no grading)");
  cmd->add_option("REPORT", args.report_path, "a JSON report written by `sockgrade test` (- for standard input)")
      ->required();
  cmd->add_option("--format", args.format, "one of " + report::format_names())->required();
  cmd->add_option("--out", args.out, "write to FILE, atomically (default: standard output)");
  cmd->callback([&exit_code] { exit_code = run_render(args); });
}

}  // namespace sockgrade::cli
