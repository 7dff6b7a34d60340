// resources: no descriptor leak across many clients; no busy-waiting while idle.
#include <poll.h>

#include "grading/context.hpp"
#include "checks/catalogue.hpp"
#include "checks/server_idle.hpp"
#include "grading/server_under_test.hpp"
#include "grading/verify.hpp"
#include "core/retry.hpp"
#include "core/wait.hpp"
#include "net/observe.hpp"

namespace sockgrade::checks {
namespace {

Outcome fd_baseline(Context& ctx) {
  int clients = static_cast<int>(ctx.param("clients"));
  constexpr int kSlack = 2;  // a library may open a descriptor lazily (syslog, a locale file)
  auto steps = [&]() -> Step<void> {
    SG_TRY(auto* srv, ctx.start_server());
    int baseline = srv->snapshot().root_fds;
    if (baseline < 0) return harness_error("cannot read the server's descriptor table");
    ctx.evidence()["fds_before"] = baseline;
    auto rng = ctx.rng("messages");
    for (int i = 1; i <= clients; ++i) {
      std::string who = "client#" + std::to_string(i);
      SG_CHECK(in_context(serve_one_client(ctx, who, who + " " + rng.text(16) + "\n"),
                          "after " + std::to_string(i - 1) + " clients: "));
    }
    // The server closes its side once it reads our FIN; give it until the deadline.
    int now = -1;
    bool back = wait_until(ctx.deadline(2000), [&] {
      now = srv->snapshot().root_fds;
      return now >= 0 && now <= baseline + kSlack;
    });
    ctx.evidence()["fds_after"] = now;
    if (!back) {
      SG_CHECK(srv->expect_alive("after the clients left"));
      return failed("the server held " + std::to_string(baseline) + " descriptors before " + std::to_string(clients) +
                    " clients and still holds " + std::to_string(now) +
                    " after they all left: it does not close(connfd) after each client");
    }
    return {};
  };
  return conclude(steps(), "descriptor count back to its baseline after " + std::to_string(clients) + " clients");
}

// One idle window: what the server used, kept in the evidence under `key` (cpu_share_<key>,
// runnable_share_<key>), and a failure beginning with `scene` when it busy-waited.
Step<void> idle_window(Context& ctx, ServerUnderTest& srv, int window, const std::string& when, const std::string& key,
                       const std::string& scene, const std::string& likely_cause) {
  SG_TRY(auto use, idle_use(ctx, srv, window, when));
  ctx.evidence()["cpu_share_" + key] = use.cpu_share;
  ctx.evidence()["runnable_share_" + key] = use.runnable_share;
  if (use.busy_waiting()) {
    return failed(scene + use.busy + " for " + ctx.human(window) + ": it busy-waits (" + likely_cause + ")");
  }
  return {};
}

Outcome idle_cpu(Context& ctx) {
  int window = static_cast<int>(ctx.param("window_ms"));
  auto steps = [&]() -> Step<void> {
    SG_TRY(auto* srv, ctx.start_server());
    SG_CHECK(idle_window(ctx, *srv, window, "while waiting for its first client", "idle_before_clients",
                         "with no client at all the server ", "a non-blocking accept() polled in a loop?"));
    SG_CHECK(serve_one_client(ctx, "client", "one client, then silence\n"));
    return idle_window(ctx, *srv, window, "after its client left", "idle_after_client",
                       "after its client left, the idle server ", "read() == 0 ignored, or a polling loop");
  };
  return conclude(steps(), "idle before and after a client (under 10% of a CPU in each window, and blocked)");
}

}  // namespace

// This file's checks: each check described in labs/checks/resources.json runs the function named
// after its id (resources.fd-baseline: fd_baseline()). The build writes resources_checks(), the
// list that pairs them (checks/list_functions.cmake).
#include "checks/resources_checks.inc"

}  // namespace sockgrade::checks
