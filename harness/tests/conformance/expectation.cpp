#include "conformance/expectation.hpp"

#include <algorithm>
#include <functional>
#include <map>

#include "report/model.hpp"

namespace sockgrade::conformance {
namespace {

using nlohmann::json;

const std::vector<std::string> kTestStatuses = {"passed", "failed", "error", "timeout", "skipped"};
const std::vector<std::string> kBuildStatuses = {"ok", "failed", "error", "skipped"};

bool is_one_of(const json& value, const std::vector<std::string>& allowed) {
  return value.is_string() && std::find(allowed.begin(), allowed.end(), value.get<std::string>()) != allowed.end();
}

bool is_string_array(const json& value) {
  return value.is_array() && std::all_of(value.begin(), value.end(), [](const json& v) { return v.is_string(); });
}

bool is_string_object(const json& value) {
  if (!value.is_object()) return false;
  return std::all_of(value.begin(), value.end(), [](const json& v) { return v.is_string(); });
}

// Every key expect.json may hold, with what its value must be (for the error message).
struct KeyRule {
  std::string shape;
  std::function<bool(const json&)> accepts;
};

const std::map<std::string, KeyRule>& key_rules() {
  static const std::map<std::string, KeyRule> rules = {
      {"lab", {"a lab name", [](const json& v) { return v.is_string(); }}},
      {"description", {"a string", [](const json& v) { return v.is_string(); }}},
      {"submission", {"a path under the repository root", [](const json& v) { return v.is_string(); }}},
      {"build", {"ok, failed, error or skipped", [](const json& v) { return is_one_of(v, kBuildStatuses); }}},
      {"exit_code", {"an integer", [](const json& v) { return v.is_number_integer(); }}},
      {"tests", {"an object {check id: status}", is_string_object}},
      {"others", {"passed, failed, error, timeout or skipped", [](const json& v) { return is_one_of(v, kTestStatuses); }}},
      {"messages", {"an object {check id or \"*\": text}", is_string_object}},
      {"report_contains", {"an array of strings", is_string_array}},
      {"no_leftovers", {"true or false", [](const json& v) { return v.is_boolean(); }}},
      {"then_reference", {"true or false", [](const json& v) { return v.is_boolean(); }}},
      {"requires", {"an array of isolation layer names", is_string_array}},
  };
  return rules;
}

bool lab_has_check(const lab::LabSpec& lab, const std::string& id) {
  return std::any_of(lab.checks.begin(), lab.checks.end(), [&](const lab::CheckSpec& c) { return c.id == id; });
}

Result<void> validate_keys(const json& expect) {
  for (const auto& [key, value] : expect.items()) {
    if (key == "score") {
      return error_result("expect.json: score: the score is computed from the lab's weights and the expected statuses; "
                  "remove it");
    }
    auto rule = key_rules().find(key);
    if (rule == key_rules().end()) return error_result("expect.json: " + key + ": unknown key");
    if (!rule->second.accepts(value)) return error_result("expect.json: " + key + ": must be " + rule->second.shape);
  }
  if (!expect.contains("lab")) return error_result("expect.json: lab: missing");
  return {};
}

}  // namespace

Result<void> validate_expectation(const json& expect, const lab::LabSpec& lab) {
  if (!expect.is_object()) return error_result("expect.json: must be an object");
  SG_CHECK(validate_keys(expect));
  const json tests = expect.value("tests", json::object());
  for (const auto& [id, status] : tests.items()) {
    if (!lab_has_check(lab, id)) return error_result("expect.json: tests." + id + ": not a check of the lab " + lab.name);
    if (!is_one_of(status, kTestStatuses)) {
      return error_result("expect.json: tests." + id + ": " + status.dump() + " is not passed, failed, error, timeout or skipped");
    }
  }
  const json messages = expect.value("messages", json::object());
  for (const auto& [id, _] : messages.items()) {
    if (id != "*" && !lab_has_check(lab, id)) {
      return error_result("expect.json: messages." + id + ": not a check of the lab " + lab.name);
    }
  }
  return {};
}

std::string expected_status(const json& expect, const std::string& id) {
  const json tests = expect.value("tests", json::object());
  if (tests.contains(id)) return tests[id].get<std::string>();
  return expect.value("others", std::string("passed"));
}

ExpectedScore expected_score(const json& expect, const lab::LabSpec& lab) {
  // The runner's own arithmetic: each check settled from its weight and status, then totalled,
  // then rounded by the JSON view; re-implementing any of it here would let the two drift apart.
  report::Report r;
  for (const auto& check : lab.checks) {
    report::TestResult t;
    t.id = check.id;
    t.weight = check.weight;
    t.status = expected_status(expect, check.id);
    report::settle(t);
    r.tests.push_back(std::move(t));
  }
  report::total(r);
  const json j = report::to_json(r);
  return {j.at("score").get<double>(), j.at("max_score").get<double>()};
}

}  // namespace sockgrade::conformance
