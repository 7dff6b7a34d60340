// The class dashboard, OUT/index.html: one self-contained page (inline CSS, inline SVG, a small
// inline script, nothing fetched) made from the gradebook's rows alone, so `sockgrade grade`,
// `sockgrade merge` and `sockgrade render-batch` write the same bytes from the same reports.
// It shows the score distribution, each check's failure rate, the mean points per category,
// the students' table (linked to each one's reports/<id>.html) and the submissions that could
// not be graded, with the reason. Every string from a file is escaped.
#pragma once

#include <string>
#include <vector>

#include "batch/gradebook.hpp"

namespace sockgrade::batch {

std::string render_dashboard(const std::vector<Row>& rows);

// The students' table sorts itself by a URL fragment, on load and when its headers are
// clicked: "#sort=score" (best first), "#sort=score-asc", "#sort=name", "#sort=name-desc".
// Without a script (or a fragment) the rows stay in id order, as in the gradebook.
extern const char* const kDashboardScript;

}  // namespace sockgrade::batch
