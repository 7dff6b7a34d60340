#include "cell/isolation.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "cell/identity.hpp"
#include "cell/net_ns.hpp"
#include "cell/piped_fork.hpp"
#include "cell/seccomp.hpp"
#include "cell/user_ns.hpp"
#include "core/retry.hpp"
#include "core/strings.hpp"

namespace sockgrade::cell {
namespace {

// Runs `probe` in a forked child and returns its error message, or "" when it succeeded.
template <class F>
std::string probe_in_child(F probe) {
  PipedChild child;
  if (auto err = fork_with_pipe(child); !err.empty()) return err;
  if (child.pid == 0) {
    std::string err = probe();
    if (!err.empty()) [[maybe_unused]] auto w = ::write(child.fd, err.data(), err.size());
    ::_exit(err.empty() ? 0 : 1);
  }
  std::string err;
  char buf[256];
  ssize_t n;
  while ((n = retry_eintr([&] { return ::read(child.fd, buf, sizeof buf); })) > 0) {
    err.append(buf, static_cast<std::size_t>(n));
  }
  ::close(child.fd);
  int status = 0;
  retry_eintr([&] { return ::waitpid(child.pid, &status, 0); });
  if (err.empty() && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) err = "the probe failed";
  return err;
}

std::string errno_text(const char* call) { return std::string(call) + ": " + std::strerror(errno); }

// In a probe child that may first need a user namespace to have the rights.
std::string enter_rights(bool userns) {
  if (!userns) return {};
  auto r = enter_user_namespace();
  return r ? std::string() : r.error().message;
}

// Without root, every other layer needs the rights a user namespace gives.
void probe_userns(Isolation& iso) {
  std::string err = probe_in_child([] {
    auto r = enter_user_namespace();
    return r ? std::string() : r.error().message;
  });
  iso.userns = err.empty();
  if (!iso.userns) {
    iso.missing.push_back(
        {"userns", err, "run as root, or allow unprivileged user namespaces (sysctl user.max_user_namespaces)"});
  }
}

void probe_netns(Isolation& iso, bool privileged, bool use_userns) {
  std::string err = privileged ? probe_in_child([&] {
    if (auto e = enter_rights(use_userns); !e.empty()) return e;
    auto r = enter_private_network();
    return r ? std::string() : r.error().message;
  })
                               : "unshare(CLONE_NEWNET): not root and no user namespace";
  iso.netns = err.empty();
  if (!iso.netns) {
    // unshare needs CAP_SYS_ADMIN; bringing up the new namespace's lo needs CAP_NET_ADMIN, which
    // Docker does not grant by default either.
    std::string caps = err.find("SIOCSIFFLAGS") != std::string::npos ? "--cap-add NET_ADMIN as well"
                                                                      : "--cap-add SYS_ADMIN --cap-add NET_ADMIN";
    iso.missing.push_back({"netns", err,
                           "in Docker add " + caps + " (or --privileged); meanwhile checks run one at a time on free ports"});
  }
}

// The init of the new pid namespace: mounts what a cell mounts, and exits with the step that failed.
[[noreturn]] void mount_as_namespace_init() {
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) ::_exit(2);
  if (::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) ::_exit(3);
  // The view: a tmpfs can be mounted and the tree made read-only.
  struct mount_attr ro{};
  ro.attr_set = MOUNT_ATTR_RDONLY;
  if (::mount_setattr(AT_FDCWD, "/", AT_RECURSIVE, &ro, sizeof ro) != 0) ::_exit(4);
  if (::mount("tmpfs", "/tmp", "tmpfs", 0, "size=1m") != 0) ::_exit(5);
  ::_exit(0);
}

// In a probe child: a pid + mount namespace, then its init's mounts; "view: ..." when only the view failed.
std::string try_pid_namespace_and_view(bool use_userns) {
  if (auto e = enter_rights(use_userns); !e.empty()) return e;
  if (::unshare(CLONE_NEWPID | CLONE_NEWNS) != 0) return errno_text("unshare(CLONE_NEWPID | CLONE_NEWNS)");
  pid_t init = ::fork();
  if (init < 0) return errno_text("fork");
  if (init == 0) mount_as_namespace_init();
  int status = 0;
  ::waitpid(init, &status, 0);
  if (!WIFEXITED(status)) return "the namespace's init died";
  switch (WEXITSTATUS(status)) {
    case 0: return "";
    case 2: return "mount(/, MS_REC | MS_PRIVATE) failed";
    case 3: return "mount(proc, /proc) failed";
    case 4: return "view: mount_setattr(/, RDONLY) failed";
    case 5: return "view: mount(tmpfs, /tmp) failed";
  }
  return "the probe failed";
}

void probe_pidns_and_view(Isolation& iso, bool privileged, bool use_userns) {
  std::string err = privileged ? probe_in_child([&]() -> std::string { return try_pid_namespace_and_view(use_userns); })
                               : "unshare(CLONE_NEWPID): not root and no user namespace";
  iso.pidns = err.empty() || starts_with(err, "view:");
  iso.fs_view = err.empty();
  if (!iso.pidns) {
    iso.missing.push_back({"pidns", err, "in Docker add --cap-add SYS_ADMIN; meanwhile process groups and a subreaper clean up"});
  }
  if (!iso.fs_view) {
    iso.missing.push_back({"fs_view", err.empty() ? "needs the mount namespace of pidns" : err,
                           "needs CAP_SYS_ADMIN (a mount namespace); meanwhile the program sees the host's files"});
  }
}

void probe_uid_drop(Isolation& iso, bool root) {
  if (root) {
    std::string err = probe_in_child([]() -> std::string {
      if (const char* step = drop_privileges(identity_for_cell(4095))) return errno_text(step);
      return "";
    });
    iso.uid_drop = err.empty();
    if (!iso.uid_drop) iso.missing.push_back({"uid_drop", err, "the harness needs CAP_SETUID and CAP_SETGID"});
  } else {
    iso.missing.push_back({"uid_drop", "the harness is not root",
                           iso.userns ? "the program runs as root of a user namespace, which is no one outside it"
                                      : "run as root (in Docker: the default root user)"});
  }
}

void probe_cgroup(Isolation& iso) {
  iso.cgroups = detect_cgroups();
  iso.cgroup = iso.cgroups.version != 0;
  if (!iso.cgroup) iso.missing.push_back({"cgroup", iso.cgroups.why_not, "memory and process limits fall back to rlimits"});
}

void probe_seccomp(Isolation& iso) {
  std::string err = probe_in_child([]() -> std::string {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno_text("prctl(PR_SET_NO_NEW_PRIVS)");
    if (const char* step = install_seccomp_filter()) return errno_text(step);
    return "";
  });
  iso.seccomp = err.empty();
  if (!iso.seccomp) iso.missing.push_back({"seccomp", err, "a kernel with CONFIG_SECCOMP_FILTER"});
}

}  // namespace

// The layers in the order a cell sets them up; each probe records what it lacks in iso.missing.
Isolation detect_isolation() {
  Isolation iso;
  const bool root = ::geteuid() == 0;
  if (!root) probe_userns(iso);
  const bool privileged = root || iso.userns;
  const bool use_userns = !root && iso.userns;
  probe_netns(iso, privileged, use_userns);
  probe_pidns_and_view(iso, privileged, use_userns);
  probe_uid_drop(iso, root);
  probe_cgroup(iso);
  probe_seccomp(iso);
  return iso;
}

Result<Isolation> isolation_for_mode(const std::string& mode) {
  if (mode == "none") {
    Isolation iso;
    iso.mode = "none";
    for (const char* layer : {"netns", "pidns", "fs_view", "uid_drop", "cgroup", "seccomp"}) {
      iso.missing.push_back({layer, "disabled by --isolation none", "use --isolation auto"});
    }
    return iso;
  }
  Isolation iso = detect_isolation();
  iso.mode = mode;
  if (mode == "strict") {
    std::vector<std::string> lines;
    for (const auto& m : iso.missing) {
      if (m.layer == "userns" || (m.layer == "uid_drop" && iso.userns)) continue;
      lines.push_back(m.layer + " (" + m.why + "; " + m.fix + ")");
    }
    if (!lines.empty()) return error_result("--isolation strict: missing " + join(lines, "; "));
  }
  return iso;
}

nlohmann::json isolation_to_json(const Isolation& iso) {
  nlohmann::json missing = nlohmann::json::array();
  for (const auto& m : iso.missing) missing.push_back(m.layer + ": " + m.why + " — " + m.fix);
  return {{"mode", iso.mode},          {"netns", iso.netns},     {"pidns", iso.pidns},
          {"userns", iso.userns},      {"cgroup", iso.cgroup},   {"cgroup_version", iso.cgroups.version},
          {"seccomp", iso.seccomp},    {"uid_drop", iso.uid_drop}, {"fs_view", iso.fs_view},
          {"process_group", iso.process_group}, {"rlimits", iso.rlimits}, {"missing", missing}};
}

std::string describe_isolation(const Isolation& iso) {
  std::vector<std::string> on;
  if (iso.userns) on.push_back("user namespace");
  if (iso.netns) on.push_back("network namespace");
  if (iso.pidns) on.push_back("pid + mount namespace");
  if (iso.fs_view) on.push_back("read-only view");
  if (iso.uid_drop) on.push_back("own uid");
  if (iso.cgroup) on.push_back("cgroup v" + std::to_string(iso.cgroups.version));
  if (iso.seccomp) on.push_back("seccomp");
  on.push_back("process group + rlimits");
  return join(on, ", ");
}

}  // namespace sockgrade::cell
