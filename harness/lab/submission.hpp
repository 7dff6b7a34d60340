// What is graded: a directory of sources or an already-built executable, named by the
// SHA-256 of its contents.
#pragma once

#include <filesystem>
#include <string>

#include "core/result.hpp"

namespace sockgrade::lab {

struct Submission {
  enum class Kind { sources, executable };
  Kind kind = Kind::sources;
  std::filesystem::path path;  // absolute
  std::string id;              // the directory's or file's name
  std::string sha256;          // over relative paths and contents, in sorted order
};

// A one-line error for a missing path, an empty directory, a directory without sources, a
// file that is not executable, or a submission too large to be a lab.
Result<Submission> resolve_submission(const std::string& path);

}  // namespace sockgrade::lab
