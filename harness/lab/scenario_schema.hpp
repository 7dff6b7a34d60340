// Reading a scenario check (lab schema 3) strictly: an unknown step, a wrong type, a value out of
// range or a reference to a peer no step connected is a LabError naming the JSON path.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lab/scenario_spec.hpp"

namespace sockgrade::lab {

// The keys a check entry may have besides id, weight, hidden, params (schema 3).
inline const std::vector<std::string> kScenarioKeys = {"title", "requirement", "hint", "budget_ms", "steps"};

// Whether a check entry writes a scenario (it has any of kScenarioKeys).
bool is_scenario_entry(const nlohmann::json& entry);

// The scenario of a check entry at `path` ("/checks/3"). `role` ("server", "client", or "" when
// the lab's role is not known yet) decides which steps are allowed.
ScenarioCheck parse_scenario(const nlohmann::json& entry, const std::string& path, const std::string& role);

// A step as one line with its action first: `send alice  {"line":"hello"}`.
std::string step_text(const nlohmann::json& step);

// The observations an `observe` step may name, for documentation and errors.
const std::vector<std::string>& observation_names();

}  // namespace sockgrade::lab
