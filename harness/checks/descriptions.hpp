// A built-in check's description is data, its behaviour is C++. What a check tests and tells the
// student (title, requirement, hint, role, parameters, budget: a CheckInfo) is written in
// labs/checks/<category>.json, with the CheckInfo's field names; its code is the function paired
// with its id in checks/<category>.cpp. The files are embedded in the binary when it is built
// (embed_descriptions.cmake), so grading and explain never read them from a path at run time.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "grading/check.hpp"

namespace sockgrade::checks {

// One description file as the build embedded it: "labs/checks/basic.json" and its text.
struct DescriptionFile {
  std::string_view name;
  std::string_view text;
};

// labs/checks/*.json as they were when the binary was built (a generated source file).
const std::vector<DescriptionFile>& embedded_description_files();

// The checks a file describes, in its order. Strict: an unknown key, a wrong type, a value out of
// range or an id outside the file's category is a one-line error naming the file and the JSON
// path ("labs/checks/basic.json: /checks/2/hint: expected a string, got an integer").
Result<std::vector<grading::CheckInfo>> parse_descriptions(const DescriptionFile& file);

}  // namespace sockgrade::checks
