#include "checks/server_idle.hpp"

#include <poll.h>

#include "core/clock.hpp"
#include "core/retry.hpp"
#include "grading/context.hpp"
#include "grading/server_under_test.hpp"
#include "grading/verify.hpp"
#include "net/observe.hpp"

namespace sockgrade::checks {

using namespace grading;

Step<IdleUse> idle_use(Context& ctx, ServerUnderTest& srv, int window_ms, const std::string& when) {
  auto before = net::sample_cpu(srv.pid());
  Stopwatch clock;
  auto deadline = ctx.deadline(window_ms);
  struct pollfd pfd{srv.program().exit_fd(), POLLIN, 0};
  retry_eintr([&] { return ::poll(&pfd, 1, deadline.poll_timeout_ms()); });
  SG_CHECK(srv.expect_alive(when));
  auto use = net::cpu_use_since(before, srv.pid());
  double wall_ms = clock.elapsed_ms();
  return IdleUse{use.cpu_ms / wall_ms, use.runnable_ms / wall_ms, busy_sentence(use.cpu_ms, use.runnable_ms, wall_ms)};
}

}  // namespace sockgrade::checks
