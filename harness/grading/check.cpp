#include "grading/check.hpp"

namespace sockgrade::grading {

std::string status_name(Status s) {
  switch (s) {
    case Status::passed: return "passed";
    case Status::failed: return "failed";
    case Status::error: return "error";
    case Status::timeout: return "timeout";
    case Status::skipped: return "skipped";
  }
  return "error";
}

}  // namespace sockgrade::grading
