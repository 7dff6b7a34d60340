#include "grading/catalogue.hpp"

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
      const ParamSpec* p = nullptr;
      std::vector<std::string> names;
      for (const auto& ps : def->info.params) {
        names.push_back(ps.name);
        if (ps.name == key) p = &ps;
      }
      if (!p) {
        std::string msg = where + "/params/" + key + ": check '" + spec.id + "' has no parameter '" + key + "'";
        auto guess = closest_match(key, names);
        if (!guess.empty()) msg += " (did you mean '" + guess + "'?)";
        else if (!names.empty()) msg += " (it takes: " + join(names, ", ") + ")";
        return error_result(msg);
      }
      std::vector<std::string> words;
      for (const auto& [word, _] : p->choices) words.push_back("\"" + word + "\"");
      if (value.is_string() && !words.empty()) {
        if (choice_value(*p, value.get<std::string>())) continue;
        return error_result(where + "/params/" + key + ": \"" + value.get<std::string>() + "\" is not one of " + join(words, ", "));
      }
      if (!value.is_number_integer()) {
        return error_result(where + "/params/" + key + ": expected an integer" + (words.empty() ? "" : " or one of " + join(words, ", ")));
      }
      auto v = value.get<int64_t>();
      if (v < p->min || v > p->max) {
        return error_result(where + "/params/" + key + ": " + std::to_string(v) + " is out of range [" + std::to_string(p->min) +
                    ", " + std::to_string(p->max) + "]");
      }
    }
  }
  return {};
}

int64_t param_value(const CheckInfo& info, const lab::CheckSpec& spec, std::string_view name) {
  for (const auto& p : info.params) {
    if (p.name != name) continue;
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

}  // namespace sockgrade::grading
