// The checks a run may use, looked up by id. The engine is handed a catalogue (the built-in
// one is checks::builtin_checks()), so it never depends on the checks themselves.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "grading/check.hpp"
#include "lab/lab_spec.hpp"

namespace sockgrade::grading {

class Catalogue {
 public:
  explicit Catalogue(std::vector<CheckDef> checks) : checks_(std::move(checks)) {}
  const std::vector<CheckDef>& all() const { return checks_; }
  auto begin() const { return checks_.begin(); }
  auto end() const { return checks_.end(); }
  const CheckDef* find(std::string_view id) const;
  // The checks a lab lists must exist, suit the lab's role, and get only declared parameters
  // of the right type and range.
  Result<void> validate(const lab::LabSpec& lab) const;

 private:
  std::vector<CheckDef> checks_;
};

// One check's parameter: the lab's value, or the declared default.
int64_t param_value(const CheckInfo& info, const lab::CheckSpec& spec, std::string_view name);

// A "checks" parameter: the lab's list of ids or globs, or nullopt when the lab gives none.
std::optional<std::vector<std::string>> param_checks(const CheckInfo& info, const lab::CheckSpec& spec,
                                                     std::string_view name);

// Whether a "checks" parameter's entry names the check `id`: the id itself, a glob, or a category.
bool names_check(const std::string& entry, const std::string& id);

}  // namespace sockgrade::grading
