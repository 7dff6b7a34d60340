// A fixture's expect.json, read strictly, and the outcome that follows from it and the lab: the
// status each check must end with, and the score the report must then total. The score is never
// written in expect.json: it is computed from the lab's weights through the report's own
// settle()/total(), so adding a check to a lab re-scores no fixture by hand.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/result.hpp"
#include "lab/lab_spec.hpp"

namespace sockgrade::conformance {

// What the report must total when every check ends with its expected status.
struct ExpectedScore {
  double score = 0;
  double max_score = 0;
};

// Rejects, naming the key (e.g. "expect.json: tests.basic.smal-echo: not a check of the lab
// echo-server"): an unknown key, a status that is none of the report's, a check the lab does not
// have, and a hard-coded "score" (it is computed now).
Result<void> validate_expectation(const nlohmann::json& expect, const lab::LabSpec& lab);

// The status expect.json asks of check `id`: its entry in "tests", else "others", else "passed".
std::string expected_status(const nlohmann::json& expect, const std::string& id);

// The score and max_score of a report whose checks (the lab's) all end with their expected
// status, rounded as the JSON report rounds them.
ExpectedScore expected_score(const nlohmann::json& expect, const lab::LabSpec& lab);

}  // namespace sockgrade::conformance
