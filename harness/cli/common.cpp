#include <cstdio>
#include <filesystem>

#include "scenario/lab_catalogue.hpp"
#include "checks/catalogue.hpp"
#include "cli/commands.hpp"
#include "core/strings.hpp"
#include "lab/lab_loader.hpp"

namespace sockgrade::cli {

void print_error(const std::string& message) { std::fprintf(stderr, "sockgrade: %s\n", message.c_str()); }

Result<lab::ResolvedLab> load_resolved_lab(const std::string& name_or_path) {
  SG_TRY(auto path, lab::resolve_lab(name_or_path));
  SG_TRY(auto resolved, lab::load_lab_with_origins(path));
  SG_CHECK(checks::validate_lab_checks(resolved.spec));
  return resolved;
}

Result<lab::LabSpec> load_lab(const std::string& name_or_path) {
  SG_TRY(auto resolved, load_resolved_lab(name_or_path));
  return std::move(resolved.spec);
}

Error unknown_format_error(const std::string& name) {
  std::vector<std::string> names;
  for (const auto& f : report::formats()) names.push_back(f.name);
  std::string guess = closest_match(name, names);
  return Error{"unknown report format '" + name + "'" + (guess.empty() ? "" : " (did you mean " + guess + "?)") +
               "; the formats are " + report::format_names()};
}

Result<ReportRequest> parse_report_request(const std::string& spec) {
  auto eq = spec.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
    return unexpected(Error{"--report expects FORMAT=FILE (e.g. junit=out.xml, or html=- for standard output), got '" +
                            spec + "'"});
  }
  std::string name = spec.substr(0, eq);
  const report::Format* f = report::find_format(name);
  if (!f) return unexpected(unknown_format_error(name));
  return ReportRequest{f, spec.substr(eq + 1)};
}

Result<void> check_report_requests(const std::vector<ReportRequest>& requests) {
  namespace fs = std::filesystem;
  int to_stdout = 0;
  for (const auto& r : requests) {
    if (r.path == "-") {
      if (++to_stdout > 1) return error_result("only one report can go to standard output (-); write the others to files");
      continue;
    }
    fs::path dir = fs::path(r.path).parent_path();
    std::error_code ec;
    if (!dir.empty() && !fs::is_directory(dir, ec)) {
      return error_result("cannot write " + r.path + ": no directory " + dir.string());
    }
    if (fs::is_directory(r.path, ec)) return error_result("cannot write " + r.path + ": it is a directory");
  }
  return {};
}

}  // namespace sockgrade::cli
