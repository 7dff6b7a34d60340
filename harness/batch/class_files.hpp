// What a batch's output directory shows of its reports: OUT/gradebook.csv, OUT/summary.txt,
// OUT/reports/<id>.html (each graded submission's HTML report, the student's view) and
// OUT/index.html (the class dashboard). All are functions of OUT/reports/*.json and
// OUT/errors/*.json alone, written atomically: `grade`, `merge` and `render-batch` make the same
// bytes from the same reports.
#pragma once

#include <filesystem>
#include <string>

#include "core/result.hpp"

namespace sockgrade::batch {

// Fails, saying so, unless `dir` has reports/ or errors/.
Result<void> check_batch_output(const std::filesystem::path& dir);

// Writes them all and returns the summary's text.
Result<std::string> write_class_files(const std::filesystem::path& out);

}  // namespace sockgrade::batch
