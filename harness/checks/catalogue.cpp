#include "checks/catalogue.hpp"
#include "checks/scenario_run.hpp"
#include "core/strings.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace sockgrade::checks {

const std::vector<std::string_view>& categories() {
  static const std::vector<std::string_view> all = {"basic",       "connect-accept", "partial-io",
                                                    "sigpipe",     "shutdown",       "concurrency",
                                                    "resources",   "robustness",     "memory"};
  return all;
}

std::string_view category_of(std::string_view id) {
  auto dot = id.find('.');
  if (dot == std::string_view::npos) return {};
  std::string_view prefix = id.substr(0, dot);
  const auto& known = categories();
  return std::find(known.begin(), known.end(), prefix) != known.end() ? prefix : std::string_view{};
}

const Catalogue& builtin_checks() {
  static const Catalogue all([] {
    std::vector<CheckDef> v;
    for (auto group : {basic_checks, connect_accept_checks, partial_io_checks, sigpipe_checks, shutdown_checks,
                       concurrency_checks, resources_checks, robustness_checks}) {
      for (auto& def : group()) {
        // A programmer's slip, caught by the first run of any test (tests/lab: Registry).
        def.info.category = std::string(category_of(def.info.id));
        if (def.info.category.empty()) throw std::logic_error("check id '" + def.info.id + "' has no known category");
        v.push_back(std::move(def));
      }
    }
    return v;
  }());
  return all;
}

const CheckDef* find_check(std::string_view id) { return builtin_checks().find(id); }

Result<void> validate_lab_checks(const lab::LabSpec& lab) {
  for (std::size_t i = 0; i < lab.checks.size(); ++i) {
    const auto& c = lab.checks[i];
    if (!c.scenario) continue;
    const std::string where = c.source.empty() ? lab.file.string() + ": /checks/" + std::to_string(i) : c.source;
    if (category_of(c.id).empty()) {
      std::vector<std::string> names(categories().begin(), categories().end());
      return error_result(where + ": check id '" + c.id + "' must be category.name, the category one of " + join(names, ", "));
    }
  }
  return catalogue_for(lab)->validate(lab);
}

}  // namespace sockgrade::checks
