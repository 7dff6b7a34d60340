#include "lab/lab_loader.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "core/strings.hpp"

#include "sockgrade_source_dir.hpp"

namespace sockgrade::lab {
namespace {

using nlohmann::json;

// Thrown inside this file only, turned into a Result at parse_lab's boundary.
struct LabError {
  std::string message;
};

std::string type_name(const json& j) {
  if (j.is_number_integer() || j.is_number_unsigned()) return "an integer";
  if (j.is_number_float()) return "a number";
  return std::string("a") + (j.is_object() || j.is_array() ? "n " : " ") + j.type_name();
}

// An object with a fixed set of keys: an unknown key is rejected first (with the allowed key
// it most likely misspells), then the getters read and type-check the known ones.
class StrictObject {
 public:
  StrictObject(const json& j, std::string path, std::vector<std::string> allowed)
      : j_(j), path_(std::move(path)) {
    if (!j.is_object()) throw LabError{where() + ": expected an object, got " + type_name(j)};
    for (const auto& [key, _] : j_.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      std::string msg = path_of(key) + ": unknown key '" + key + "'";
      auto guess = closest_match(key, allowed);
      if (!guess.empty()) msg += " (did you mean '" + guess + "'?)";
      else msg += " (allowed: " + join(allowed, ", ") + ")";
      throw LabError{msg};
    }
  }

  bool has(const std::string& key) {
    return j_.contains(key);
  }
  const json& raw(const std::string& key) {
    if (!j_.contains(key)) throw LabError{where() + ": missing required key '" + key + "'"};
    return j_.at(key);
  }
  std::string path_of(const std::string& key) const { return path_ + "/" + key; }

  std::string string(const std::string& key) {
    const auto& v = raw(key);
    if (!v.is_string()) throw LabError{path_of(key) + ": expected a string, got " + type_name(v)};
    return v.get<std::string>();
  }
  std::string string_or(const std::string& key, std::string fallback) {
    return has(key) ? string(key) : fallback;
  }
  int64_t integer(const std::string& key, int64_t min, int64_t max) {
    const auto& v = raw(key);
    if (!v.is_number_integer()) throw LabError{path_of(key) + ": expected an integer, got " + type_name(v)};
    if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(max)) {
      throw LabError{path_of(key) + ": " + v.dump() + " is out of range [" + std::to_string(min) + ", " + std::to_string(max) + "]"};
    }
    auto x = v.get<int64_t>();
    if (x < min || x > max) {
      throw LabError{path_of(key) + ": " + std::to_string(x) + " is out of range [" + std::to_string(min) + ", " +
                     std::to_string(max) + "]"};
    }
    return x;
  }
  int64_t integer_or(const std::string& key, int64_t min, int64_t max, int64_t fallback) {
    return has(key) ? integer(key, min, max) : fallback;
  }
  double number(const std::string& key, double min, double max) {
    const auto& v = raw(key);
    if (!v.is_number()) throw LabError{path_of(key) + ": expected a number, got " + type_name(v)};
    double x = v.get<double>();
    if (x < min || x > max) throw LabError{path_of(key) + ": " + v.dump() + " is out of range"};
    return x;
  }
  bool boolean_or(const std::string& key, bool fallback) {
    if (!has(key)) return fallback;
    const auto& v = raw(key);
    if (!v.is_boolean()) throw LabError{path_of(key) + ": expected true or false, got " + type_name(v)};
    return v.get<bool>();
  }
  std::vector<std::string> strings(const std::string& key) {
    const auto& v = raw(key);
    if (!v.is_array()) throw LabError{path_of(key) + ": expected an array of strings, got " + type_name(v)};
    std::vector<std::string> out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_string()) {
        throw LabError{path_of(key) + "/" + std::to_string(i) + ": expected a string, got " + type_name(v[i])};
      }
      out.push_back(v[i].get<std::string>());
    }
    return out;
  }

 private:
  std::string where() const { return path_.empty() ? "/" : path_; }
  const json& j_;
  std::string path_;
};

BuildRule parse_build(const json& j) {
  StrictObject o(j, "/build", {"executable", "make", "c", "cpp", "timeout_seconds"});
  BuildRule b;
  b.executable = o.string("executable");
  if (b.executable.empty() || b.executable.find('/') != std::string::npos) {
    throw LabError{"/build/executable: must be a plain file name"};
  }
  if (o.has("make")) b.make = o.strings("make");
  b.c = o.strings("c");
  if (o.has("cpp")) b.cpp = o.strings("cpp");
  b.timeout_seconds = static_cast<int>(o.integer_or("timeout_seconds", 1, 3600, b.timeout_seconds));
  if (b.c.empty()) throw LabError{"/build/c: the compile command is empty"};
  return b;
}

RunSpec parse_run(const json& j, const std::string& transport) {
  StrictObject o(j, "/run", {"argv", "default_port", "requested_port"});
  RunSpec r;
  r.argv = o.strings("argv");
  // A UNIX-domain socket has a path ({path} in argv), no port.
  if (transport == "unix" && !o.has("default_port") && !o.has("requested_port")) return r;
  r.default_port = static_cast<uint16_t>(o.integer("default_port", 1, 65535));
  r.requested_port = static_cast<uint16_t>(o.integer("requested_port", 1, 65535));
  if (r.requested_port == r.default_port) {
    // With the two equal, a program that ignores argv could not be told apart.
    throw LabError{"/run/requested_port: must differ from default_port"};
  }
  return r;
}

cell::Limits parse_limits(const json& j) {
  StrictObject o(j, "/limits", {"cpu_seconds", "address_space_mib", "open_files", "file_size_mib", "processes", "wall_seconds", "memory_mib"});
  cell::Limits l;
  l.cpu_seconds = static_cast<int>(o.integer_or("cpu_seconds", 1, 3600, l.cpu_seconds));
  l.address_space_bytes =
      static_cast<uint64_t>(o.integer_or("address_space_mib", 16, 1 << 20, static_cast<int64_t>(l.address_space_bytes >> 20))) << 20;
  l.open_files = static_cast<int>(o.integer_or("open_files", 16, 1 << 20, l.open_files));
  l.file_size_bytes =
      static_cast<uint64_t>(o.integer_or("file_size_mib", 1, 1 << 20, static_cast<int64_t>(l.file_size_bytes >> 20))) << 20;
  l.processes = static_cast<int>(o.integer_or("processes", 1, 1 << 16, l.processes));
  l.wall_seconds = static_cast<int>(o.integer_or("wall_seconds", 1, 3600, l.wall_seconds));
  l.memory_bytes =
      static_cast<uint64_t>(o.integer_or("memory_mib", 16, 1 << 20, static_cast<int64_t>(l.memory_bytes >> 20))) << 20;
  return l;
}

std::vector<CheckSpec> parse_checks(const json& j) {
  if (!j.is_array()) throw LabError{"/checks: expected an array, got " + type_name(j)};
  if (j.empty()) throw LabError{"/checks: a lab needs at least one check"};
  std::vector<CheckSpec> out;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < j.size(); ++i) {
    StrictObject o(j[i], "/checks/" + std::to_string(i), {"id", "weight", "hidden", "params"});
    CheckSpec c;
    c.id = o.string("id");
    c.weight = o.number("weight", 0, 1000);
    c.hidden = o.boolean_or("hidden", false);
    if (o.has("params")) {
      c.params = o.raw("params");
      if (!c.params.is_object()) {
        throw LabError{o.path_of("params") + ": expected an object, got " + type_name(c.params)};
      }
    }
      if (!seen.insert(c.id).second) throw LabError{"/checks/" + std::to_string(i) + ": check '" + c.id + "' is listed twice"};
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

Result<LabSpec> parse_lab(const json& doc, const std::string& source) {
  try {
    StrictObject o(doc, "", {"schema", "name", "title", "role", "transport", "contract", "build", "run", "limits", "checks"});
    auto schema = o.string("schema");
    if (schema != "sockgrade.lab/1") throw LabError{"/schema: expected \"sockgrade.lab/1\", got \"" + schema + "\""};
    LabSpec lab;
    lab.name = o.string("name");
    lab.title = o.string("title");
    lab.role = o.string("role");
    if (lab.role != "server" && lab.role != "client") {
      throw LabError{"/role: \"" + lab.role + "\" is not supported (expected \"server\" or \"client\")"};
    }
    lab.transport = o.string("transport");
    if (lab.transport != "tcp" && lab.transport != "unix" && lab.transport != "udp") {
      throw LabError{"/transport: \"" + lab.transport + "\" is not supported (expected \"tcp\", \"udp\" or \"unix\")"};
    }
    lab.contract = o.string_or("contract", "");
    lab.build = parse_build(o.raw("build"));
    lab.run = parse_run(o.raw("run"), lab.transport);
    if (o.has("limits")) lab.limits = parse_limits(o.raw("limits"));
    lab.checks = parse_checks(o.raw("checks"));
      return lab;
  } catch (const LabError& e) {
    return fail(source + ": " + e.message);
  }
}

Result<LabSpec> load_lab_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return fail(file.string() + ": cannot read the lab file");
  std::stringstream ss;
  ss << in.rdbuf();
  auto doc = json::parse(ss.str(), nullptr, false);
  if (doc.is_discarded()) {
    // Parse again with exceptions for the position of the syntax error.
    try {
      auto again = json::parse(ss.str());
    } catch (const json::parse_error& e) {
      std::string what = e.what();
      auto at = what.find("parse error at ");
      if (at != std::string::npos) what = what.substr(at + 15);
      return fail(file.string() + ": not valid JSON (" + what + ")");
    }
    return fail(file.string() + ": not valid JSON");
  }
  auto lab = parse_lab(doc, file.string());
  if (lab) lab->file = std::filesystem::absolute(file);
  return lab;
}

namespace {

using nlohmann::ordered_json;

// Whole weights print as integers (6, not 6.0), as lab files write them.
ordered_json weight_json(double weight) {
  auto whole = static_cast<int64_t>(weight);
  if (static_cast<double>(whole) == weight) return whole;
  return weight;
}

ordered_json check_to_json(const CheckSpec& c) {
  ordered_json j = {{"id", c.id}, {"weight", weight_json(c.weight)}};
  if (c.hidden) j["hidden"] = true;
  if (!c.params.empty()) j["params"] = c.params;
  return j;
}

ordered_json lab_limits_json(const cell::Limits& l) {
  return {{"cpu_seconds", l.cpu_seconds},
          {"address_space_mib", l.address_space_bytes >> 20},
          {"open_files", l.open_files},
          {"file_size_mib", l.file_size_bytes >> 20},
          {"processes", l.processes},
          {"wall_seconds", l.wall_seconds},
          {"memory_mib", l.memory_bytes >> 20}};
}

}  // namespace

ordered_json lab_to_json(const LabSpec& lab) {
  ordered_json run = {{"argv", lab.run.argv}};
  // A UNIX-domain lab has no ports: written as 0 they would not load again.
  if (lab.run.default_port != 0) run["default_port"] = lab.run.default_port;
  if (lab.run.requested_port != 0) run["requested_port"] = lab.run.requested_port;
  ordered_json checks = ordered_json::array();
  for (const auto& c : lab.checks) checks.push_back(check_to_json(c));
  return {{"schema", "sockgrade.lab/2"},
          {"name", lab.name},
          {"title", lab.title},
          {"role", lab.role},
          {"transport", lab.transport},
          {"contract", lab.contract},
          {"build",
           {{"executable", lab.build.executable},
            {"make", lab.build.make},
            {"c", lab.build.c},
            {"cpp", lab.build.cpp},
            {"timeout_seconds", lab.build.timeout_seconds}}},
          {"run", run},
          {"limits", lab_limits_json(lab.limits)},
          {"checks", checks}};
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
  bool looks_like_path = name_or_path.find('/') != std::string::npos ||
                         (name_or_path.size() > 5 && name_or_path.substr(name_or_path.size() - 5) == ".json");
  if (looks_like_path) {
    if (!fs::is_regular_file(name_or_path)) return fail("lab file not found: " + name_or_path);
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
  return fail(msg);
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
