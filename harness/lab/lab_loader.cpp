#include "lab/lab_loader.hpp"

#include <unistd.h>

#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "core/strings.hpp"
#include "lab/lab_merge.hpp"
#include "lab/lab_schema.hpp"
#include "lab/strict_json.hpp"

#include "sockgrade_source_dir.hpp"

namespace sockgrade::lab {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// Every lab whose chain of "extends" ends in a sockgrade.lab/2 file starts from this one.
const fs::path kDefaultsFile = "base/defaults.json";

// "echo-server" names a bundled lab; "x.json" or "dir/x" is a path.
bool looks_like_path(const std::string& name) {
  return name.find('/') != std::string::npos || (name.size() > 5 && name.substr(name.size() - 5) == ".json");
}

std::string error_in(const fs::path& file, const LabError& e) { return file.string() + ": " + e.message(); }

Result<json> read_json_file(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return error_result(file.string() + ": cannot read the lab file");
  std::stringstream ss;
  ss << in.rdbuf();
  auto doc = json::parse(ss.str(), nullptr, false);
  if (!doc.is_discarded()) return doc;
  // Parse again with exceptions for the position of the syntax error.
  try {
    auto again = json::parse(ss.str());
  } catch (const json::parse_error& e) {
    std::string what = e.what();
    auto at = what.find("parse error at ");
    if (at != std::string::npos) what = what.substr(at + 15);
    return error_result(file.string() + ": not valid JSON (" + what + ")");
  }
  return error_result(file.string() + ": not valid JSON");
}

Result<LabLayer> read_layer(const fs::path& file) {
  SG_TRY(auto doc, read_json_file(file));
  try {
    int version = schema_version(doc);
    return LabLayer{file, std::move(doc), version};
  } catch (const LabError& e) {
    return error_result(error_in(file, e));
  }
}

bool same_file(const fs::path& a, const fs::path& b) {
  std::error_code ec1, ec2;
  return fs::weakly_canonical(a, ec1) == fs::weakly_canonical(b, ec2);
}

// The file a layer's "extends" names: a path relative to the layer's file, or a bundled lab.
Result<fs::path> parent_file(const LabLayer& child) {
  std::string where = child.file.string() + ": /extends: ";
  const json& extends = child.doc["extends"];
  if (!extends.is_string() || extends.get<std::string>().empty()) {
    return error_result(where + "expected a lab name or a path, got " +
                (extends.is_string() ? std::string("an empty string") : type_name(extends)));
  }
  std::string name = extends.get<std::string>();
  if (!looks_like_path(name)) {
    auto bundled = resolve_lab(name);
    if (!bundled) return error_result(where + bundled.error().message);
    return bundled->lexically_normal();
  }
  fs::path parent = (child.file.parent_path() / name).lexically_normal();
  std::error_code ec;
  if (!fs::is_regular_file(parent, ec)) return error_result(where + "no lab file " + parent.string());
  return parent;
}

std::string chain_text(const std::vector<LabLayer>& chain, const fs::path& last) {
  std::string text;
  for (const auto& layer : chain) text += layer.file.string() + " → ";
  return text + last.string();
}

// labs/base/defaults.json from the first lab directory that has it; none when the chain has it.
Result<std::optional<LabLayer>> defaults_layer(const std::vector<LabLayer>& chain) {
  for (const auto& dir : lab_directories()) {
    fs::path file = (dir / kDefaultsFile).lexically_normal();
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) continue;
    for (const auto& layer : chain) {
      if (same_file(layer.file, file)) return std::optional<LabLayer>{};
    }
    SG_TRY(auto layer, read_layer(file));
    if (layer.doc.contains("extends")) return error_result(file.string() + ": /extends: the defaults extend nothing");
    return std::optional<LabLayer>{std::move(layer)};
  }
  return error_result(chain.front().file.string() + ": the lab defaults " + kDefaultsFile.string() +
              " are in none of the lab directories");
}

// The lab's file first, then each lab it extends; a sockgrade.lab/2 root sits on the defaults.
Result<std::vector<LabLayer>> read_chain(const fs::path& file) {
  std::vector<LabLayer> chain;
  SG_TRY(auto first, read_layer(file));
  chain.push_back(std::move(first));
  while (chain.back().version >= 2 && chain.back().doc.contains("extends")) {
    SG_TRY(auto parent, parent_file(chain.back()));
    for (const auto& layer : chain) {
      if (!same_file(layer.file, parent)) continue;
      return error_result(chain.back().file.string() + ": /extends: a cycle: " + chain_text(chain, parent));
    }
    SG_TRY(auto layer, read_layer(parent));
    chain.push_back(std::move(layer));
  }
  if (chain.back().version == 1) return chain;
  SG_TRY(auto defaults, defaults_layer(chain));
  if (defaults) chain.push_back(std::move(*defaults));
  return chain;
}

// An error in the merged document belongs to the file that set the value at its path.
std::string blame(const LabError& e, const MergedLab& lab, const fs::path& own_file) {
  fs::path file = own_file;
  for (std::string p = e.path; p.size() > 1; p = p.substr(0, p.rfind('/'))) {
    auto it = lab.origins.values.find(p);
    if (it == lab.origins.values.end()) continue;
    file = it->second;
    break;
  }
  std::string msg = error_in(file, e);
  if (e.missing_key && e.text == "missing required key 'name'" && lab.origins.files.size() > 1) {
    msg += " (a lab's name is its own: it is never inherited)";
  } else if (e.missing_key && lab.origins.files.size() > 1) {
    msg += " (neither this file nor a lab it extends sets it)";
  }
  return msg;
}

}  // namespace

Result<LabSpec> parse_lab(const json& doc, const std::string& source) {
  try {
    LabLayer layer{source, doc, schema_version(doc)};
    if (layer.version >= 2 && doc.contains("extends")) {
      throw LabError{"/extends", "a lab that extends another is read from its file (load_lab_file)"};
    }
    MergedLab lab;
    apply_layer(lab, layer);
    finish_merge(lab, layer);
    return spec_from_document(lab.doc);
  } catch (const LabError& e) {
    return error_result(source + ": " + e.message());
  }
}

Result<ResolvedLab> load_lab_with_origins(const fs::path& file) {
  SG_TRY(auto chain, read_chain(file));
  MergedLab lab;
  for (const auto& layer : chain) lab.origins.files.push_back(layer.file);
  for (auto layer = chain.rbegin(); layer != chain.rend(); ++layer) {
    try {
      apply_layer(lab, *layer);
    } catch (const LabError& e) {
      return error_result(error_in(layer->file, e));
    }
  }
  finish_merge(lab, chain.front());
  LabSpec spec;
  try {
    spec = spec_from_document(lab.doc);
  } catch (const LabError& e) {
    return error_result(blame(e, lab, chain.front().file));
  }
  spec.file = fs::absolute(file);
  for (auto& check : spec.checks) check.source = lab.origins.checks.at(check.id).last_entry;
  return ResolvedLab{std::move(spec), std::move(lab.origins)};
}

Result<LabSpec> load_lab_file(const fs::path& file) {
  SG_TRY(auto resolved, load_lab_with_origins(file));
  return std::move(resolved.spec);
}

std::vector<std::filesystem::path> lab_directories() {
  std::vector<std::filesystem::path> dirs;
  if (const char* env = std::getenv("SOCKGRADE_LABS"); env && *env) dirs.emplace_back(env);
  char exe[4096];
  ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    auto dir = std::filesystem::path(std::string(exe, static_cast<std::size_t>(n))).parent_path();
    dirs.push_back(dir.parent_path() / "labs");
    dirs.push_back(dir.parent_path() / "share" / "sockgrade" / "labs");
  }
  dirs.emplace_back(std::filesystem::path(SOCKGRADE_SOURCE_DIR) / "labs");
  return dirs;
}

Result<std::filesystem::path> resolve_lab(const std::string& name_or_path) {
  namespace fs = std::filesystem;
  if (looks_like_path(name_or_path)) {
    if (!fs::is_regular_file(name_or_path)) return error_result("lab file not found: " + name_or_path);
    return fs::path(name_or_path);
  }
  for (const auto& dir : lab_directories()) {
    auto p = dir / (name_or_path + ".json");
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p;
  }
  auto names = bundled_lab_names();
  std::string msg = "unknown lab '" + name_or_path + "'";
  auto guess = closest_match(name_or_path, names);
  if (!guess.empty()) msg += " (did you mean '" + guess + "'?)";
  msg += "; known labs: " + (names.empty() ? std::string("none found") : join(names, ", "));
  return error_result(msg);
}

std::vector<std::string> bundled_lab_names() {
  namespace fs = std::filesystem;
  std::set<std::string> names;
  for (const auto& dir : lab_directories()) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      if (e.path().extension() == ".json") names.insert(e.path().stem().string());
    }
    if (!names.empty()) break;  // the first directory that has labs wins
  }
  return {names.begin(), names.end()};
}

}  // namespace sockgrade::lab
