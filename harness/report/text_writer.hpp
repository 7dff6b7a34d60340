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

std::string render_text(const Report& r, const TextOptions& options);

}  // namespace sockgrade::report
