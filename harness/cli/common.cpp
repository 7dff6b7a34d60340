#include <cstdio>

#include "checks/registry.hpp"
#include "cli/commands.hpp"
#include "lab/lab_loader.hpp"

namespace sockgrade::cli {

void print_error(const std::string& message) { std::fprintf(stderr, "sockgrade: %s\n", message.c_str()); }

Result<lab::LabSpec> load_lab(const std::string& name_or_path) {
  SG_TRY(auto path, lab::resolve_lab(name_or_path));
  SG_TRY(auto spec, lab::load_lab_file(path));
  SG_CHECK(checks::validate_lab_checks(spec));
  return spec;
}

}  // namespace sockgrade::cli
