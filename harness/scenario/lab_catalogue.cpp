#include "scenario/lab_catalogue.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "core/strings.hpp"
#include "scenario/run.hpp"

namespace sockgrade::checks {

std::shared_ptr<const Catalogue> catalogue_for(const lab::LabSpec& lab) {
  // A lab's scenario may take a built-in check's id: in that lab, the scenario is that check.
  std::vector<CheckDef> defs;
  for (const auto& def : builtin_checks().all()) {
    bool replaced = std::any_of(lab.checks.begin(), lab.checks.end(),
                                [&](const lab::CheckSpec& c) { return c.scenario && c.id == def.info.id; });
    if (!replaced) defs.push_back(def);
  }
  for (const auto& c : lab.checks) {
    if (!c.scenario) continue;
    defs.push_back(CheckDef{.info = {.id = c.id,
                                     .category = std::string(category_of(c.id)),
                                     .title = c.scenario->title,
                                     .requirement = c.scenario->requirement,
                                     .hint = c.scenario->hint,
                                     .role = lab.role,
                                     .budget_ms = c.scenario->budget_ms,
                                     .typical_ms = 100},
                            .run = run_scenario});
  }
  return std::make_shared<const Catalogue>(std::move(defs));
}

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
