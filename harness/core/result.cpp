#include "core/result.hpp"

#include <cstring>

namespace sockgrade {

Error errno_error(std::string_view what, int err) {
  return Error{std::string(what) + ": " + std::strerror(err), err};
}

}  // namespace sockgrade
