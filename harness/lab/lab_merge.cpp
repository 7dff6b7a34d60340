#include "lab/lab_merge.hpp"

#include <optional>
#include <set>

#include "lab/scenario_schema.hpp"
#include "lab/strict_json.hpp"

namespace sockgrade::lab {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const std::vector<std::string> kTopKeysV2 = {"extends"};
const std::vector<std::string> kCheckKeysV2 = {"remove", "before", "after"};

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// A key that came with sockgrade.lab/2 in a /1 file: say which schema has it, not "unknown key".
void reject_v2_keys(const json& j, const std::string& path, const std::vector<std::string>& keys) {
  if (!j.is_object()) return;
  for (const auto& key : keys) {
    if (j.contains(key)) throw LabError{path + "/" + key, "'" + key + "' needs \"schema\": \"" + kSchemaV2 + "\""};
  }
}

void forget_below(std::map<std::string, fs::path>& values, const std::string& pointer) {
  auto prefix = pointer + "/";
  for (auto it = values.lower_bound(prefix); it != values.end() && it->first.rfind(prefix, 0) == 0;) {
    it = values.erase(it);
  }
}

// The file's value replaces the inherited one; objects merge key by key, so a file that sets
// /limits/processes keeps the other limits it inherits.
void merge_value(json& parent, const std::string& key, const json& value, const std::string& pointer,
                 const fs::path& file, LabOrigins& origins) {
  if (!value.is_object()) {
    parent[key] = value;
    forget_below(origins.values, pointer);
    origins.values[pointer] = file;
    return;
  }
  json& target = parent[key];
  if (!target.is_object()) {
    target = json::object();
    origins.values.erase(pointer);
  }
  for (const auto& [k, v] : value.items()) merge_value(target, k, v, pointer + "/" + k, file, origins);
}

// One entry of a file's "checks", read strictly.
struct CheckEntry {
  std::string path;  // "/checks/3"
  std::string id;
  std::optional<double> weight;
  std::optional<bool> hidden;
  std::optional<json> params;
  bool remove = false;
  std::string before, after;
  std::optional<json> scenario;  // the entry's scenario keys (schema 3), already validated
};

// The keys a check entry may have in a file of `version`.
std::vector<std::string> check_keys(int version) {
  if (version == 1) return kCheckKeys;
  auto keys = concat(kCheckKeys, kCheckKeysV2);
  return version == 2 ? keys : concat(keys, kScenarioKeys);
}

// A scenario check is validated where it is written, so that its errors name this file's path.
std::optional<json> read_scenario(const json& j, const std::string& path, int version, const std::string& role) {
  if (!is_scenario_entry(j)) return std::nullopt;
  if (version < 3) {
    for (const auto& key : kScenarioKeys) {
      if (j.contains(key)) throw LabError{path + "/" + key, "'" + key + "' (a scenario check) needs \"schema\": \"" + kSchemaV3 + "\""};
    }
  }
  return parse_scenario(j, path, role).source;
}

CheckEntry read_check_entry(const json& j, const std::string& path, int version, const std::string& role) {
  if (version == 1) reject_v2_keys(j, path, kCheckKeysV2);
  auto scenario = read_scenario(j, path, version, role);
  StrictObject o(j, path, check_keys(version));
  CheckEntry e;
  e.path = path;
  e.id = o.string("id");
  if (o.has("weight")) e.weight = o.number("weight", 0, 1000);
  if (o.has("hidden")) e.hidden = o.boolean_or("hidden", false);
  if (o.has("params")) {
    e.params = o.raw("params");
    if (!e.params->is_object()) throw LabError{o.path_of("params"), "expected an object, got " + type_name(*e.params)};
  }
  e.remove = o.boolean_or("remove", false);
  e.before = o.string_or("before", "");
  e.after = o.string_or("after", "");
  if (e.remove && (e.weight || e.hidden || e.params || o.has("before") || o.has("after"))) {
    throw LabError{path, "a check marked \"remove\" takes no other key than \"id\""};
  }
  if (o.has("before") && o.has("after")) throw LabError{path, "give \"before\" or \"after\", not both"};
  if (e.remove && scenario) throw LabError{path, "a check marked \"remove\" takes no other key than \"id\""};
  e.scenario = std::move(scenario);
  return e;
}

std::size_t index_of(const json& checks, const std::string& id) {
  for (std::size_t i = 0; i < checks.size(); ++i) {
    if (checks[i]["id"] == id) return i;
  }
  return checks.size();
}

std::vector<std::string> ids_of(const json& checks) {
  std::vector<std::string> ids;
  for (const auto& c : checks) ids.push_back(c["id"].get<std::string>());
  return ids;
}

// Where a check goes: right before or after the one named, else at the end.
std::size_t placement(const json& checks, const CheckEntry& e) {
  if (e.before.empty() && e.after.empty()) return checks.size();
  const std::string& key = e.before.empty() ? "after" : "before";
  const std::string& target = e.before.empty() ? e.after : e.before;
  if (target == e.id) throw LabError{e.path + "/" + key, "a check cannot be placed " + key + " itself"};
  std::size_t at = index_of(checks, target);
  if (at == checks.size()) {
    std::string msg = "no check '" + target + "' to place it " + key;
    auto guess = closest_match(target, ids_of(checks));
    if (!guess.empty()) msg += " (did you mean '" + guess + "'?)";
    throw LabError{e.path + "/" + key, msg};
  }
  return key == "before" ? at : at + 1;
}

void remove_check(MergedLab& lab, const CheckEntry& e, const fs::path& file) {
  json& checks = lab.doc["checks"];
  std::size_t at = index_of(checks, e.id);
  if (at == checks.size()) {
    throw LabError{e.path, "cannot remove check '" + e.id + "': no lab it extends has it"};
  }
  checks.erase(at);
  lab.origins.checks.erase(e.id);
  lab.origins.removed[e.id] = file;
}

void record_origin(LabOrigins& origins, const CheckEntry& e, const fs::path& file, bool added) {
  auto& origin = origins.checks[e.id];
  if (added) {
    origin = CheckOrigin{};
    origin.added_by = file;
    origins.removed.erase(e.id);  // removed by a parent, added again here
  }
  if (e.weight) origin.weight_from = file;
  if (e.hidden) origin.hidden_from = file;
  if (e.params) origin.params_from = file;
  origin.last_entry = file.string() + ": " + e.path;
}

// A new check, or an inherited one with this entry's fields over its own (params key by key).
void add_or_change_check(MergedLab& lab, const CheckEntry& e, const fs::path& file, int version) {
  json& checks = lab.doc["checks"];
  std::size_t at = index_of(checks, e.id);
  bool added = at == checks.size();
  if (added && !e.weight) {
    throw LabError{e.path, "missing required key 'weight'" +
                               (version == 1 ? "" : " (no lab it extends has check '" + e.id + "')")};
  }
  json entry = added ? json{{"id", e.id}} : checks[at];
  if (e.weight) entry["weight"] = *e.weight;
  if (e.hidden) entry["hidden"] = *e.hidden;
  if (e.params && added) entry["params"] = *e.params;
  if (e.params && !added) entry["params"].merge_patch(*e.params);
  if (e.scenario) {
    // A scenario is replaced whole: its steps make sense only together.
    for (const auto& key : kScenarioKeys) entry.erase(key);
    entry.update(*e.scenario);
  }
  if (!added && e.before.empty() && e.after.empty()) {
    checks[at] = std::move(entry);
  } else {
    if (!added) checks.erase(at);
    checks.insert(checks.begin() + static_cast<std::ptrdiff_t>(placement(checks, e)), std::move(entry));
  }
  record_origin(lab.origins, e, file, added);
}

void merge_checks(MergedLab& lab, const json& entries, const LabLayer& layer) {
  if (!entries.is_array()) throw LabError{"/checks", "expected an array, got " + type_name(entries)};
  if (!lab.doc["checks"].is_array()) lab.doc["checks"] = json::array();
  std::set<std::string> seen;
  // The role decides which scenario steps are allowed: this file's, or the one it inherits.
  const json& role = layer.doc.contains("role") ? layer.doc["role"] : lab.doc.value("role", json(""));
  const std::string role_word = role.is_string() ? role.get<std::string>() : "";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    auto e = read_check_entry(entries[i], "/checks/" + std::to_string(i), layer.version, role_word);
    if (!seen.insert(e.id).second) throw LabError{e.path, "check '" + e.id + "' is listed twice"};
    if (e.remove) remove_check(lab, e, layer.file);
    else add_or_change_check(lab, e, layer.file, layer.version);
  }
}

fs::path directory_of(const fs::path& file) { return fs::absolute(file).parent_path().lexically_normal(); }

}  // namespace

int schema_version(const json& doc) {
  if (!doc.is_object()) throw LabError{"/", "expected an object, got " + type_name(doc)};
  if (!doc.contains("schema")) throw LabError{"/", "missing required key 'schema'"};
  const json& schema = doc["schema"];
  if (!schema.is_string()) throw LabError{"/schema", "expected a string, got " + type_name(schema)};
  if (schema == kSchemaV1) return 1;
  if (schema == kSchemaV2) return 2;
  if (schema == kSchemaV3) return 3;
  throw LabError{"/schema", std::string("expected \"") + kSchemaV1 + "\", \"" + kSchemaV2 + "\" or \"" + kSchemaV3 +
                                "\", got \"" + schema.get<std::string>() + "\""};
}

void apply_layer(MergedLab& lab, const LabLayer& layer) {
  if (layer.version == 1) reject_v2_keys(layer.doc, "", kTopKeysV2);
  StrictObject top(layer.doc, "", layer.version == 1 ? kLabKeys : concat(kLabKeys, kTopKeysV2));
  for (const auto& [key, value] : layer.doc.items()) {
    if (key == "schema" || key == "name" || key == "extends") continue;  // the file's own
    if (key == "checks") merge_checks(lab, value, layer);
    else merge_value(lab.doc, key, value, "/" + key, layer.file, lab.origins);
  }
}

void finish_merge(MergedLab& lab, const LabLayer& own_file) {
  lab.doc["schema"] = own_file.doc["schema"];
  if (own_file.doc.contains("name")) {
    lab.doc["name"] = own_file.doc["name"];
    lab.origins.values["/name"] = own_file.file;
  }
  auto from = lab.origins.values.find("/contract");
  if (from == lab.origins.values.end() || !lab.doc["contract"].is_string()) return;
  fs::path contract = lab.doc["contract"].get<std::string>();
  fs::path dir = directory_of(from->second);
  if (contract.empty() || contract.is_absolute() || dir == directory_of(own_file.file)) return;
  lab.doc["contract"] = (dir / contract).lexically_normal().string();
}

}  // namespace sockgrade::lab
