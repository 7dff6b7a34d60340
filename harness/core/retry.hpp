// The one EINTR-retry helper: the harness never treats an interrupted call as a failure.
#pragma once

#include <cerrno>

namespace sockgrade {

template <class F>
auto retry_eintr(F&& f) -> decltype(f()) {
  for (;;) {
    auto r = f();
    if (!(r == -1 && errno == EINTR)) return r;
  }
}

}  // namespace sockgrade
