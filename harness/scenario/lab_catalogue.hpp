// A lab's catalogue: the built-in checks and the lab's own scenario checks (a scenario may take a
// built-in id and stands for it in that lab), and the validation of a lab's check list against it.
#pragma once

#include <memory>

#include "checks/catalogue.hpp"
#include "core/result.hpp"
#include "lab/lab_spec.hpp"

namespace sockgrade::checks {

// The built-in checks and the lab's own scenario checks, for a run of `lab`.
std::shared_ptr<const Catalogue> catalogue_for(const lab::LabSpec& lab);

// Every check the lab lists exists (built-in or its own scenario, with a known category), with
// parameters the check takes: one line naming the place in the lab file otherwise.
Result<void> validate_lab_checks(const lab::LabSpec& lab);

}  // namespace sockgrade::checks
