#include "lab/lab_schema.hpp"

#include <algorithm>
#include <cmath>

#include "lab/lab_loader.hpp"
#include "lab/lab_merge.hpp"
#include "lab/scenario_schema.hpp"
#include "lab/strict_json.hpp"

namespace sockgrade::lab {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

BuildRule parse_build(const json& j) {
  StrictObject o(j, "/build", {"executable", "make", "c", "cpp", "timeout_seconds"});
  BuildRule b;
  b.executable = o.string("executable");
  if (b.executable.empty() || b.executable.find('/') != std::string::npos) {
    throw LabError{"/build/executable", "must be a plain file name"};
  }
  if (o.has("make")) b.make = o.strings("make");
  b.c = o.strings("c");
  if (o.has("cpp")) b.cpp = o.strings("cpp");
  b.timeout_seconds = static_cast<int>(o.integer_or("timeout_seconds", 1, 3600, b.timeout_seconds));
  if (b.c.empty()) throw LabError{"/build/c", "the compile command is empty"};
  return b;
}

RunSpec parse_run(const json& j, Transport transport) {
  StrictObject o(j, "/run", {"argv", "default_port", "requested_port"});
  RunSpec r;
  r.argv = o.strings("argv");
  // A UNIX-domain socket has a path ({path} in argv), no port.
  if (transport == Transport::unix_stream && !o.has("default_port") && !o.has("requested_port")) return r;
  r.default_port = static_cast<uint16_t>(o.integer("default_port", 1, 65535));
  r.requested_port = static_cast<uint16_t>(o.integer("requested_port", 1, 65535));
  if (r.requested_port == r.default_port) {
    // With the two equal, a program that ignores argv could not be told apart.
    throw LabError{"/run/requested_port", "must differ from default_port"};
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

std::vector<CheckSpec> checks_from_document(const json& checks, const std::string& role) {
  if (checks.empty()) throw LabError{"/checks", "a lab needs at least one check"};
  std::vector<CheckSpec> out;
  for (std::size_t i = 0; i < checks.size(); ++i) {
    const auto& c = checks[i];
    std::shared_ptr<const ScenarioCheck> scenario;
    if (is_scenario_entry(c)) {
      scenario = std::make_shared<const ScenarioCheck>(parse_scenario(c, "/checks/" + std::to_string(i), role));
    }
    out.push_back(CheckSpec{.id = c["id"].get<std::string>(),
                            .weight = c["weight"].get<double>(),
                            .hidden = c.value("hidden", false),
                            .params = c.value("params", json::object()),
                            .source = "",
                            .scenario = std::move(scenario)});
  }
  return out;
}

// Each weight becomes its share of `points`, in hundredths of a point that add up to exactly
// `points` (the largest remainders get the odd hundredths), so that a report's total is `points`.
void scale_weights(std::vector<CheckSpec>& checks, double points) {
  double sum = 0;
  for (const auto& c : checks) sum += c.weight;
  if (sum <= 0) throw LabError{"/checks", "the weights add up to 0, so \"points\" cannot be shared among them"};
  if (std::fabs(sum - points) < 1e-9) return;  // already shares (a resolved lab loaded again)
  const auto cents = std::llround(points * 100);
  std::vector<int64_t> share(checks.size());
  std::vector<std::pair<double, std::size_t>> remainders;
  int64_t given = 0;
  for (std::size_t i = 0; i < checks.size(); ++i) {
    const double exact = checks[i].weight * static_cast<double>(cents) / sum;
    share[i] = static_cast<int64_t>(std::floor(exact));
    given += share[i];
    remainders.emplace_back(exact - static_cast<double>(share[i]), i);
  }
  std::stable_sort(remainders.begin(), remainders.end(), [](auto& a, auto& b) { return a.first > b.first; });
  for (std::size_t k = 0; given < cents && k < remainders.size(); ++k, ++given) ++share[remainders[k].second];
  for (std::size_t i = 0; i < checks.size(); ++i) checks[i].weight = static_cast<double>(share[i]) / 100.0;
}

// `value` when `allowed` has it; else an error naming the choices.
std::string one_of(const std::string& key, const std::string& value, const std::vector<std::string>& allowed) {
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return value;
  std::vector<std::string> quoted;
  for (const auto& a : allowed) quoted.push_back("\"" + a + "\"");
  std::string last = quoted.back();
  quoted.pop_back();
  throw LabError{"/" + key, "\"" + value + "\" is not supported (expected " + join(quoted, ", ") + " or " + last + ")"};
}

// The lab file's word for each transport, and what a server of it waits on.
struct TransportWords {
  Transport transport;
  std::string_view name;
  std::string_view endpoint;
};
constexpr TransportWords kTransports[] = {
    {Transport::tcp, "tcp", "TCP port"},
    {Transport::udp, "udp", "UDP port"},
    {Transport::unix_stream, "unix", "UNIX-domain socket"},
};

const TransportWords& words_of(Transport t) {
  for (const auto& w : kTransports) {
    if (w.transport == t) return w;
  }
  return kTransports[0];
}

Transport parse_transport(const std::string& word) {
  std::vector<std::string> names;
  for (const auto& w : kTransports) names.emplace_back(w.name);
  one_of("transport", word, names);  // throws the one-line error for an unknown word
  for (const auto& w : kTransports) {
    if (w.name == word) return w.transport;
  }
  return Transport::tcp;
}

}  // namespace

std::string_view transport_name(Transport t) { return words_of(t).name; }
std::string_view transport_endpoint(Transport t) { return words_of(t).endpoint; }

LabSpec spec_from_document(const json& doc) {
  StrictObject o(doc, "", kLabKeys);
  LabSpec lab;
  lab.name = o.string("name");
  lab.title = o.string("title");
  lab.role = one_of("role", o.string("role"), {"server", "client"});
  lab.transport = parse_transport(o.string("transport"));
  lab.contract = o.string_or("contract", "");
  lab.build = parse_build(o.raw("build"));
  lab.run = parse_run(o.raw("run"), lab.transport);
  if (o.has("limits")) lab.limits = parse_limits(o.raw("limits"));
  lab.checks = checks_from_document(o.raw("checks"), lab.role);
  lab.points = o.has("points") ? o.number("points", 0, 100000) : 0;
  if (lab.points > 0) scale_weights(lab.checks, lab.points);
  return lab;
}

namespace {

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
  if (c.scenario) {
    for (const auto& key : kScenarioKeys) {
      if (c.scenario->source.contains(key)) j[key] = c.scenario->source[key];
    }
  }
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
  // Schema 3 only when a check needs it, so that a lab without scenarios reads as it always has.
  bool scenarios = std::any_of(lab.checks.begin(), lab.checks.end(), [](const CheckSpec& c) { return c.scenario != nullptr; });
  ordered_json j = {{"schema", scenarios ? kSchemaV3 : kSchemaV2},
                    {"name", lab.name},
                    {"title", lab.title},
                    {"role", lab.role},
                    {"transport", std::string(transport_name(lab.transport))},
                    {"contract", lab.contract},
                    {"build",
                     {{"executable", lab.build.executable},
                      {"make", lab.build.make},
                      {"c", lab.build.c},
                      {"cpp", lab.build.cpp},
                      {"timeout_seconds", lab.build.timeout_seconds}}},
                    {"run", run},
                    {"limits", lab_limits_json(lab.limits)}};
  if (lab.points > 0) j["points"] = weight_json(lab.points);
  j["checks"] = checks;
  return j;
}

}  // namespace sockgrade::lab
