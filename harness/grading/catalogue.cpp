#include "grading/catalogue.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>

#include "core/strings.hpp"

namespace sockgrade::grading {

namespace {

std::optional<int64_t> choice_value(const ParamSpec& p, const std::string& word) {
  for (const auto& [w, v] : p.choices) {
    if (w == word) return v;
  }
  return std::nullopt;
}

// A "checks" parameter: a non-empty list of texts, each naming at least one of the lab's checks
// outside the check's own category (a memory check replays the others, never itself).
Result<void> validate_check_list(const std::string& where, const CheckDef& def, const nlohmann::json& value,
                                 const lab::LabSpec& lab) {
  if (!value.is_array() || value.empty()) {
    return error_result(where + ": expected a list of check ids or globs, e.g. [\"basic.*\", \"partial-io.short-writes\"]");
  }
  std::vector<std::string> others;
  for (const auto& c : lab.checks) {
    if (c.id.rfind(def.info.category + ".", 0) != 0) others.push_back(c.id);
  }
  for (std::size_t i = 0; i < value.size(); ++i) {
    const std::string at = where + "/" + std::to_string(i);
    if (!value[i].is_string()) return error_result(at + ": expected a check id or glob, got " + value[i].dump());
    const auto entry = value[i].get<std::string>();
    if (std::any_of(others.begin(), others.end(), [&](const std::string& id) { return names_check(entry, id); })) continue;
    std::string msg = at + ": '" + entry + "' names none of this lab's checks outside " + def.info.category;
    auto guess = closest_match(entry, others);
    if (!guess.empty()) msg += " (did you mean '" + guess + "'?)";
    return error_result(msg);
  }
  return {};
}

// One entry of a lab's "params" for check `def`: declared, of the right type and range.
Result<void> validate_param(const std::string& where, const CheckDef& def, const std::string& key,
                            const nlohmann::json& value, const lab::LabSpec& lab) {
  const ParamSpec* p = nullptr;
  std::vector<std::string> names;
  for (const auto& ps : def.info.params) {
    names.push_back(ps.name);
    if (ps.name == key) p = &ps;
  }
  if (!p) {
    std::string msg = where + ": check '" + def.info.id + "' has no parameter '" + key + "'";
    auto guess = closest_match(key, names);
    if (!guess.empty()) msg += " (did you mean '" + guess + "'?)";
    else if (!names.empty()) msg += " (it takes: " + join(names, ", ") + ")";
    return error_result(msg);
  }
  if (p->kind == "checks") return validate_check_list(where, def, value, lab);
  std::vector<std::string> words;
  for (const auto& [word, _] : p->choices) words.push_back("\"" + word + "\"");
  if (value.is_string() && !words.empty()) {
    if (choice_value(*p, value.get<std::string>())) return {};
    return error_result(where + ": \"" + value.get<std::string>() + "\" is not one of " + join(words, ", "));
  }
  if (!value.is_number_integer()) {
    return error_result(where + ": expected an integer" + (words.empty() ? "" : " or one of " + join(words, ", ")));
  }
  auto v = value.get<int64_t>();
  if (v < p->min || v > p->max) {
    return error_result(where + ": " + std::to_string(v) + " is out of range [" + std::to_string(p->min) + ", " +
                        std::to_string(p->max) + "]");
  }
  return {};
}

}  // namespace

const CheckDef* Catalogue::find(std::string_view id) const {
  for (const auto& c : checks_) {
    if (c.info.id == id) return &c;
  }
  return nullptr;
}

Result<void> Catalogue::validate(const lab::LabSpec& lab) const {
  std::vector<std::string> ids;
  for (const auto& c : checks_) ids.push_back(c.info.id);
  for (std::size_t i = 0; i < lab.checks.size(); ++i) {
    const auto& spec = lab.checks[i];
    std::string where = spec.source.empty() ? lab.file.string() + ": /checks/" + std::to_string(i) : spec.source;
    const CheckDef* def = find(spec.id);
    if (!def) {
      std::string msg = where + "/id: unknown check '" + spec.id + "'";
      auto guess = closest_match(spec.id, ids);
      if (!guess.empty()) msg += " (did you mean '" + guess + "'?)";
      return error_result(msg);
    }
    if (def->info.role != lab.role && def->info.role != "any") {
      return error_result(where + "/id: check '" + spec.id + "' is for " + def->info.role + " labs, this lab's role is " + lab.role);
    }
    for (const auto& [key, value] : spec.params.items()) {
      if (auto ok = validate_param(where + "/params/" + key, *def, key, value, lab); !ok) return ok;
    }
  }
  return {};
}

int64_t param_value(const CheckInfo& info, const lab::CheckSpec& spec, std::string_view name) {
  for (const auto& p : info.params) {
    if (p.name != name) continue;
    if (p.kind != "integer") throw std::logic_error("check " + info.id + " reads list parameter " + p.name + " as a number");
    if (spec.params.contains(std::string(name))) {
      const auto& v = spec.params.at(std::string(name));
      if (v.is_string()) {
        if (auto c = choice_value(p, v.get<std::string>())) return *c;
        throw std::logic_error("check " + info.id + ": parameter " + std::string(name) + " was not validated");
      }
      return v.get<int64_t>();
    }
    return p.default_value;
  }
  throw std::logic_error("check " + info.id + " reads undeclared parameter " + std::string(name));
}

std::optional<std::vector<std::string>> param_checks(const CheckInfo& info, const lab::CheckSpec& spec,
                                                     std::string_view name) {
  for (const auto& p : info.params) {
    if (p.name != name || p.kind != "checks") continue;
    if (!spec.params.contains(std::string(name))) return std::nullopt;
    return spec.params.at(std::string(name)).get<std::vector<std::string>>();
  }
  throw std::logic_error("check " + info.id + " reads undeclared list parameter " + std::string(name));
}

bool names_check(const std::string& entry, const std::string& id) {
  return glob_match(entry, id) || glob_match(entry + ".*", id);
}

}  // namespace sockgrade::grading
