#include "faults/registry.hpp"

#include <charconv>

#include "core/strings.hpp"

namespace sockgrade::faults {

std::string direction_name(Direction d) { return d == Direction::to_program ? "to-program" : "from-program"; }

// The one explicit list: a fault exists when it is named here.
const std::vector<FaultInfo>& builtin_faults() {
  static const std::vector<FaultInfo> all = {
      latency_fault(), slice_fault(), coalesce_fault(), bandwidth_fault(),    stall_fault(),
      reset_fault(),   half_close_fault(), limit_fault(), slow_reader_fault(),
  };
  return all;
}

const FaultInfo* find_fault(const std::string& name) {
  for (const auto& f : builtin_faults()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

Result<FaultSpec> parse_fault(const std::string& text) {
  auto colon = text.find(':');
  std::string name = trim(text.substr(0, colon));
  const FaultInfo* info = find_fault(name);
  if (!info) {
    std::vector<std::string> names;
    for (const auto& f : builtin_faults()) names.push_back(f.name);
    std::string msg = "unknown fault '" + name + "'";
    auto guess = closest_match(name, names);
    if (!guess.empty()) msg += " (did you mean '" + guess + "'?)";
    return error_result(msg + "; faults: " + join(names, ", "));
  }
  FaultSpec spec;
  spec.name = name;
  spec.direction = info->default_direction;
  for (const auto& p : info->params) spec.params[p.name] = p.default_value;
  if (colon == std::string::npos || trim(text.substr(colon + 1)).empty()) return spec;

  std::vector<std::string> known;
  for (const auto& p : info->params) known.push_back(p.name);
  known.push_back("direction");
  for (const auto& item : split(text.substr(colon + 1), ',')) {
    auto eq = item.find('=');
    if (eq == std::string::npos) return error_result("fault " + name + ": expected key=value, got '" + item + "'");
    std::string key = trim(item.substr(0, eq)), value = trim(item.substr(eq + 1));
    if (key == "direction") {
      if (value == "to-program") spec.direction = Direction::to_program;
      else if (value == "from-program") spec.direction = Direction::from_program;
      else return error_result("fault " + name + ": direction must be to-program or from-program, got '" + value + "'");
      continue;
    }
    const FaultParam* param = nullptr;
    for (const auto& p : info->params) {
      if (p.name == key) param = &p;
    }
    if (!param) {
      std::string msg = "fault " + name + " has no parameter '" + key + "'";
      auto guess = closest_match(key, known);
      if (!guess.empty()) msg += " (did you mean '" + guess + "'?)";
      return error_result(msg + "; it takes: " + join(known, ", "));
    }
    int64_t v = 0;
    auto r = std::from_chars(value.data(), value.data() + value.size(), v);
    if (r.ec != std::errc() || r.ptr != value.data() + value.size()) {
      return error_result("fault " + name + ": " + key + " must be an integer, got '" + value + "'");
    }
    if (v < param->min || v > param->max) {
      return error_result("fault " + name + ": " + key + "=" + value + " is out of range [" + std::to_string(param->min) + ", " +
                  std::to_string(param->max) + "]");
    }
    spec.params[key] = v;
  }
  return spec;
}

std::string fault_text(const FaultSpec& spec) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : spec.params) parts.push_back(k + "=" + std::to_string(v));
  parts.push_back("direction=" + direction_name(spec.direction));
  return spec.name + ":" + join(parts, ",");
}

std::unique_ptr<Fault> make_fault(const FaultSpec& spec, uint64_t seed, std::size_t index) {
  const FaultInfo* info = find_fault(spec.name);
  return info->make(FaultFactoryArgs{spec.params, Rng::derive(seed, "fault/" + std::to_string(index) + "/" + spec.name)});
}

std::string describe_faults() {
  std::string out;
  for (const auto& f : builtin_faults()) {
    out += "  " + f.name + " (" + direction_name(f.default_direction) + " by default): " + f.description + "\n";
    for (const auto& p : f.params) {
      out += "      " + p.name + "=" + std::to_string(p.default_value) + "  " + p.description + " [" +
             std::to_string(p.min) + ".." + std::to_string(p.max) + "]\n";
    }
  }
  return out;
}

}  // namespace sockgrade::faults
