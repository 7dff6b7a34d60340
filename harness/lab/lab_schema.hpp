// A complete lab document (every layer merged) → LabSpec, type- and range-checked.
#pragma once

#include <nlohmann/json.hpp>

#include "lab/lab_spec.hpp"

namespace sockgrade::lab {

// Throws LabError with the JSON path of the first bad value. The entries of "checks" were read
// strictly when their layers were merged (lab_merge.hpp).
LabSpec spec_from_document(const nlohmann::json& doc);

}  // namespace sockgrade::lab
