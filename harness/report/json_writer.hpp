// The JSON view: written atomically (a temporary file renamed into place), so that a crash or
// Ctrl-C never leaves a half-written report.
#pragma once

#include <string>

#include "core/result.hpp"
#include "report/model.hpp"

namespace sockgrade::report {

std::string render_json(const Report& r);
// `path` "-" writes to standard output.
Result<void> write_json(const Report& r, const std::string& path);
// Writes `content` to `path` through a temporary file in the same directory and rename(2).
Result<void> write_file_atomically(const std::string& path, const std::string& content);

}  // namespace sockgrade::report
