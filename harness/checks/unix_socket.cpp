// The unix-echo-server lab (BRIEF §2): an echo server on a UNIX-domain stream socket at the path
// given in argv. The stream checks (basic, shutdown, resources) run over AF_UNIX unchanged;
// these two check what is particular to a socket that is a file.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "grading/context.hpp"
#include "checks/catalogue.hpp"
#include "grading/server_under_test.hpp"
#include "grading/verify.hpp"

namespace sockgrade::checks {
namespace {

Outcome socket_at_path(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    SG_TRY(auto* srv, ctx.start_server());
    const auto& got = srv->listener().local.address;
    ctx.evidence()["asked_path"] = ctx.socket_path();
    ctx.evidence()["listening_at"] = got;
    if (got != ctx.socket_path()) {
      return failed("the server was started as ./server " + ctx.socket_path() + " but listens at '" + got +
                    "': bind the path given in argv[1]");
    }
    struct stat st {};
    if (::lstat(ctx.socket_path().c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) {
      return failed("the server listens at " + ctx.socket_path() + " but no socket file is there (was it unlinked "
                    "after bind()? clients find the server through that file)");
    }
    return serve_one_client(ctx, "client", "through the socket file\n");
  };
  return conclude(steps(), "the socket appeared at the path given in argv and answered there");
}

// A socket file left by a server that was killed: bind() fails with EADDRINUSE until it is
// unlinked. Nothing listens on it (a connect() there is refused).
Step<void> leave_stale_socket(Context& ctx) {
  const auto path = ctx.socket_path();
  Fd s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (!s || path.size() >= sizeof a.sun_path) return harness_error("cannot make a UNIX socket for " + path);
  std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
  ::unlink(path.c_str());
  if (::bind(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    return harness_error("cannot leave a stale socket at " + path + ": " + std::strerror(errno));
  }
  // The file belongs to the program's user, as if an earlier run of it had left it.
  if (const auto& id = ctx.settings().identity) {
    if (::chown(path.c_str(), id->uid, id->gid) != 0) return harness_error("cannot chown " + path);
  }
  s.reset();
  ctx.trace().add("harness", "stale-socket", path + " left by a server that is gone (nothing listens on it)");
  return {};
}

Outcome stale_socket(Context& ctx) {
  auto steps = [&]() -> Step<void> {
    SG_CHECK(leave_stale_socket(ctx));
    SG_TRY(auto* srv, in_context(ctx.start_server(),
                                 "a stale socket file was left at " + ctx.socket_path() +
                                     " (as a killed server leaves it): "));
    (void)srv;
    return serve_one_client(ctx, "client", "after a stale socket file\n");
  };
  return conclude(steps(), "the stale socket file was replaced: the server listened at the path and answered");
}

}  // namespace

std::vector<CheckDef> unix_checks() {
  return {
      {{"connect-accept.unix-socket-path", "connect-accept", "The socket appears at the path given in argv",
        "./server PATH listens on a UNIX-domain stream socket bound to PATH.",
        "Fill a struct sockaddr_un with AF_UNIX and argv[1] (strncpy into sun_path, check the length), "
        "then bind() and listen(). Do not unlink the path while serving.",
        "server", {}, 10000},
       socket_at_path},
      {{"connect-accept.unix-stale-socket", "connect-accept", "A stale socket file at the path is removed before bind",
        "A socket file left by an earlier run does not stop the server from starting.",
        "A UNIX socket file outlives the server that bound it, and bind() then fails with EADDRINUSE. "
        "unlink(path) before bind() (ignoring ENOENT).",
        "server", {}, 10000},
       stale_socket},
  };
}

}  // namespace sockgrade::checks
