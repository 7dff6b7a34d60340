#include "checks/descriptions.hpp"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <set>

#include <nlohmann/json.hpp>

#include "checks/catalogue.hpp"
#include "lab/strict_json.hpp"

namespace sockgrade::checks {
namespace {

using grading::CheckInfo;
using grading::ParamSpec;
using lab::LabError;
using lab::StrictObject;
using nlohmann::json;

constexpr const char* kSchema = "sockgrade.checks/1";
constexpr int64_t kMinInt = std::numeric_limits<int64_t>::min();
constexpr int64_t kMaxInt = std::numeric_limits<int64_t>::max();

// A text a reader sees (title, requirement, hint, a parameter's description): never empty.
std::string text(const StrictObject& o, const std::string& key) {
  auto s = o.string(key);
  if (s.empty()) throw LabError{o.path_of(key), "must not be empty"};
  return s;
}

// An array, each element read by `each(element, its path)`.
template <class Each>
void for_each_in(const StrictObject& o, const std::string& key, Each each) {
  const auto& a = o.raw(key);
  if (!a.is_array()) throw LabError{o.path_of(key), "expected an array, got " + lab::type_name(a)};
  for (std::size_t i = 0; i < a.size(); ++i) each(a[i], o.path_of(key) + "/" + std::to_string(i));
}

// "choices": [{"word": "fork", "value": 1}, ...], in the order an error lists them.
void read_choices(const StrictObject& o, ParamSpec& p) {
  for_each_in(o, "choices", [&](const json& j, const std::string& path) {
    StrictObject c(j, path, {"word", "value"});
    p.choices.emplace_back(text(c, "word"), c.integer("value", p.min, p.max));
  });
}

ParamSpec read_param(const json& j, const std::string& path) {
  StrictObject o(j, path, {"name", "kind", "default", "min", "max", "description", "choices", "note"});
  ParamSpec p;
  p.name = text(o, "name");
  p.kind = o.string_or("kind", "integer");
  if (p.kind == "checks") {
    // A list the lab gives or not: the check's code keeps its own list otherwise.
    for (const char* key : {"default", "min", "max", "choices"}) {
      if (o.has(key)) throw LabError{o.path_of(key), "a \"checks\" parameter has no " + std::string(key)};
    }
    p.description = text(o, "description");
    o.string_or("note", "");
    return p;
  }
  if (p.kind != "integer") throw LabError{o.path_of("kind"), "\"" + p.kind + "\" is not one of \"integer\", \"checks\""};
  p.min = o.integer("min", kMinInt, kMaxInt);
  p.max = o.integer("max", p.min, kMaxInt);
  p.default_value = o.integer("default", p.min, p.max);
  p.description = text(o, "description");
  if (o.has("choices")) read_choices(o, p);
  o.string_or("note", "");  // for the reader of the file: why a number is what it is
  return p;
}

std::string read_role(const StrictObject& o) {
  auto role = o.string("role");
  if (role != "server" && role != "client" && role != "any") {
    throw LabError{o.path_of("role"), "\"" + role + "\" is not one of \"server\", \"client\", \"any\""};
  }
  return role;
}

CheckInfo read_check(const json& j, const std::string& path, std::string_view category) {
  StrictObject o(j, path,
                 {"id", "title", "requirement", "hint", "role", "params", "budget_ms", "typical_ms", "sanitizer", "parts", "note"});
  CheckInfo info{.id = text(o, "id"),
                 .title = text(o, "title"),
                 .requirement = text(o, "requirement"),
                 .hint = text(o, "hint")};
  if (category_of(info.id) != category) {
    throw LabError{o.path_of("id"),
                   "'" + info.id + "' is not an id of this file's category: " + std::string(category) + ".name"};
  }
  info.role = read_role(o);
  if (o.has("params")) {
    for_each_in(o, "params", [&](const json& p, const std::string& p_path) {
      info.params.push_back(read_param(p, p_path));
      auto same_name = [&](const ParamSpec& q) { return q.name == info.params.back().name; };
      if (std::count_if(info.params.begin(), info.params.end(), same_name) > 1) {
        throw LabError{p_path + "/name", "parameter '" + info.params.back().name + "' is declared twice"};
      }
    });
  }
  // The cell's budget before --stretch; a ctest grading times out at 10 minutes.
  info.budget_ms = static_cast<int>(o.integer("budget_ms", 1, 600000));
  info.typical_ms = static_cast<int>(o.integer("typical_ms", 0, info.budget_ms));
  info.sanitizer = o.string_or("sanitizer", "");
  info.parts = o.has("parts") ? static_cast<int>(o.integer("parts", 1, 16)) : 1;
  if (!info.sanitizer.empty() && info.sanitizer != "address" && info.sanitizer != "thread") {
    throw LabError{o.path_of("sanitizer"), "\"" + info.sanitizer + "\" is not one of \"address\", \"thread\""};
  }
  o.string_or("note", "");
  return info;
}

std::vector<CheckInfo> read_file(const json& doc, std::string_view category) {
  StrictObject o(doc, "", {"schema", "description", "checks"});
  if (o.string("schema") != kSchema) throw LabError{"/schema", "expected \"" + std::string(kSchema) + "\""};
  o.string_or("description", "");
  std::vector<CheckInfo> out;
  std::set<std::string> ids;
  for_each_in(o, "checks", [&](const json& j, const std::string& path) {
    out.push_back(read_check(j, path, category));
    if (!ids.insert(out.back().id).second) {
      throw LabError{path + "/id", "check '" + out.back().id + "' is described twice"};
    }
  });
  return out;
}

}  // namespace

Result<std::vector<CheckInfo>> parse_descriptions(const DescriptionFile& file) {
  const std::string name(file.name);
  // The file's name is its category: labs/checks/partial-io.json describes partial-io.* checks.
  const std::string category = std::filesystem::path(name).stem().string();
  const auto& known = categories();
  if (std::find(known.begin(), known.end(), category) == known.end()) {
    return error_result(name + ": '" + category + "' is not a category of checks (the file is named after one)");
  }
  json doc;
  try {
    doc = json::parse(file.text);
  } catch (const json::parse_error& e) {
    return error_result(name + ": not valid JSON (" + e.what() + ")");
  }
  try {
    return read_file(doc, category);
  } catch (const LabError& e) {
    return error_result(name + ": " + e.message());
  }
}

}  // namespace sockgrade::checks
