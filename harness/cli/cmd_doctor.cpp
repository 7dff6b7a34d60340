// sockgrade doctor: which isolation layers this machine grants, and for each missing one why
// and what to do (e.g. "unshare(CLONE_NEWNET): Operation not permitted — in Docker add
// --cap-add SYS_ADMIN").
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "cell/isolation.hpp"
#include "cli/commands.hpp"
#include "cli/doctor_sanitizers.hpp"
#include "faults/shim.hpp"

namespace sockgrade::cli {
namespace {

bool in_container() {
  struct stat st;
  if (::stat("/.dockerenv", &st) == 0 || ::stat("/run/.containerenv", &st) == 0) return true;
  FILE* f = std::fopen("/proc/1/cgroup", "r");
  if (!f) return false;
  char line[512];
  bool found = false;
  while (std::fgets(line, sizeof line, f)) found = found || std::strstr(line, "docker") || std::strstr(line, "containerd");
  std::fclose(f);
  return found;
}

}  // namespace

void add_doctor_command(CLI::App& app, int& exit_code) {
  static bool strict = false;
  auto* cmd = app.add_subcommand("doctor", "Show which isolation layers are available here, and how to get the missing ones");
  cmd->add_flag("--strict", strict, "exit 1 when a layer is missing (what --isolation strict would refuse)");
  cmd->callback([&exit_code] {
    auto iso = cell::detect_isolation();
    struct utsname u;
    ::uname(&u);
    std::printf("kernel      %s %s\n", u.sysname, u.release);
    std::printf("running as  uid %u%s%s\n", static_cast<unsigned>(::geteuid()), ::geteuid() == 0 ? " (root)" : "",
                in_container() ? ", in a container" : "");
    auto shim = faults::shim_library_path();
    std::printf("shim        %s\n\n", shim ? shim->c_str() : shim.error().message.c_str());
    struct Row {
      const char* layer;
      const char* what;
      bool on;
    };
    const Row rows[] = {
        {"netns", "private network namespace (loopback only, parallel checks)", iso.netns},
        {"pidns", "PID + mount namespace (nothing survives a cell)", iso.pidns},
        {"fs_view", "read-only view, private /tmp, harness files hidden", iso.fs_view},
        {"uid_drop", "the program runs under a uid of its own", iso.uid_drop},
        {"userns", "user namespace (the layers without root)", iso.userns},
        {"cgroup", "memory and process limits in a cgroup", iso.cgroup},
        {"seccomp", "ptrace, mounts, namespaces refused to the program", iso.seccomp},
    };
    bool missing_any = false;
    for (const auto& row : rows) {
      const cell::Missing* why = nullptr;
      for (const auto& m : iso.missing) {
        if (m.layer == row.layer) why = &m;
      }
      // The user namespace is only a way to get the others without root.
      // Without root, the user namespace stands in for a uid of the program's own.
      bool needed = std::string(row.layer) == "userns"     ? ::geteuid() != 0
                    : std::string(row.layer) == "uid_drop" ? ::geteuid() == 0 || !iso.userns
                                                          : true;
      std::printf("  %-4s %-9s %s\n", row.on ? "yes" : (needed ? "NO" : "-"), row.layer, row.what);
      if (!row.on && why && needed) {
        std::printf("                 why: %s\n                 fix: %s\n", why->why.c_str(), why->fix.c_str());
        missing_any = true;
      }
    }
    std::printf("\nin force with --isolation auto: %s\n", cell::describe_isolation(iso).c_str());
    if (!iso.netns) std::printf("without a network namespace checks run one at a time on free ports\n");
    print_sanitizer_rows();
    exit_code = strict && missing_any ? kChecksFailed : kAllPassed;
  });
}

}  // namespace sockgrade::cli
