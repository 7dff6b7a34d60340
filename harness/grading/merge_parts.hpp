// A check that plays in several cells (CheckInfo::parts, each cell a share of the work) gets one
// outcome from its parts' outcomes.
#pragma once

#include <vector>

#include "cell/cell.hpp"

namespace sockgrade::grading {

// The first part that failed, timed out or erred speaks for the check (a cell that could not run
// is an error, and so is a status this function does not know); else the parts that passed, their
// messages joined and the longest duration kept (a skipped part had nothing to prove); else the
// first skip. `parts` must not be empty.
cell::CellOutcome merge_parts(const std::vector<cell::CellOutcome>& parts);

}  // namespace sockgrade::grading
