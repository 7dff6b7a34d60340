// The terminal view: pass/fail per check, then for each failure what happened on the wire,
// the program's fate and stderr, the hint, the event trace and the command that reproduces it.
#pragma once

#include <string>

#include "report/model.hpp"

namespace sockgrade::report {

struct TextOptions {
  bool color = false;
  bool verbose = false;  // whole traces and build logs
};

// Hidden checks are not listed, only their total ("2 hidden checks: 5/9 points").
std::string render_text(const Report& r, const TextOptions& options);
// The explanation of one check that did not pass, as indented lines: what happened, the
// evidence, the hint, the trace, the command that reproduces it. Other views embed it.
std::string render_test_details(const TestResult& t, const TextOptions& options);

}  // namespace sockgrade::report
