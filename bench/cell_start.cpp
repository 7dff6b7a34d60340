// Cell start: how long one cell takes with every layer this machine grants (network, PID and
// mount namespaces, the read-only view, an own uid, cgroup limits, seccomp, rlimits) to run a
// trivial program (/bin/true) and end: median of N runs, in milliseconds, on stdout.
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "cell/cell.hpp"
#include "cell/cgroup.hpp"
#include "cell/identity.hpp"
#include "cell/isolation.hpp"
#include "cell/program.hpp"
#include "core/clock.hpp"

using namespace sockgrade;

int main(int argc, char** argv) {
  int runs = argc > 1 ? std::atoi(argv[1]) : 50;
  auto iso = cell::detect_isolation();
  char tmpl[] = "/tmp/sockgrade-bench-XXXXXX";
  std::filesystem::path work = ::mkdtemp(tmpl);
  std::filesystem::create_directories(work / "prog");
  std::filesystem::copy_file("/bin/true", work / "prog" / "true");
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    cell::CellJob job;
    job.name = "bench";
    job.user_namespace = iso.userns;
    job.private_network = iso.netns;
    job.private_pids = iso.pidns;
    std::optional<cell::Identity> id;
    if (iso.uid_drop) id = cell::identity_for_cell(static_cast<uint64_t>(i));
    if (iso.fs_view) {
      cell::ViewSpec view;
      view.program_dir = (work / "prog").string();
      view.staging = (work / ("view-" + std::to_string(i))).string();
      std::filesystem::create_directory(view.staging);
      view.hidden = cell::default_hidden_directories();
      if (id) {
        view.owner = id->uid;
        view.group = id->gid;
      }
      job.view = view;
    }
    std::unique_ptr<cell::Cgroup> group;
    Stopwatch clock;
    if (iso.cgroup) {
      if (auto g = cell::Cgroup::create(iso.cgroups, "sockgrade-bench-" + std::to_string(i), {})) group = std::move(g).value();
    }
    job.body = [&](const cell::CellEnv& env) {
      cell::LaunchSpec spec;
      spec.executable = env.view ? env.view->program_dir + "/true" : (work / "prog" / "true").string();
      spec.cwd = env.view ? env.view->scratch : "/";
      spec.identity = id;
      spec.seccomp = iso.seccomp;
      if (group) spec.cgroup_fds = group->join_fds();
      auto p = cell::Program::start(spec);
      if (!p) return nlohmann::json{{"error", p.error().message}};
      auto v = (*p)->wait(Deadline::after(Millis(5000)));
      return nlohmann::json{{"exit", v.describe()}};
    };
    auto out = cell::run_cells({job}, 1);
    group.reset();
    ms.push_back(clock.elapsed_ms());
    if (!out[0].ok || out[0].result.contains("error")) {
      std::fprintf(stderr, "cell failed: %s %s\n", out[0].error.c_str(), out[0].result.dump().c_str());
      return 1;
    }
  }
  std::filesystem::remove_all(work);
  std::sort(ms.begin(), ms.end());
  std::printf("%.2f\n", ms[ms.size() / 2]);
  std::fprintf(stderr, "layers: %s\n", cell::describe_isolation(iso).c_str());
  return 0;
}
