// Where the cells of one run stand: a private working directory with the staged program, and
// for each cell its namespaces, its filesystem view, its unprivileged identity and a scratch
// directory of its own, as far as the machine's isolation allows.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>

#include "cell/cell.hpp"
#include "cell/identity.hpp"
#include "cell/isolation.hpp"
#include "core/result.hpp"
#include "lab/submission.hpp"

namespace sockgrade::grading {

// A cell's place, before it starts (host paths) and what the body sees once it runs.
struct CellPlace {
  std::optional<cell::Identity> identity;
  std::filesystem::path scratch;  // host path of its writable directory (without a view)
};

class Placement {
 public:
  Placement(const cell::Isolation& isolation, const lab::Submission& submission);
  ~Placement();
  Placement(const Placement&) = delete;
  Placement& operator=(const Placement&) = delete;

  // Creates the working directory and copies the submission (sources, or the executable) into
  // <work>/src, owned by `build_identity` when there is one.
  Result<void> stage();
  // After the build: the program belongs to root again and only root may change it.
  void seal();
  const std::filesystem::path& program_dir() const { return src_; }
  // The preload shim as a program without a view reaches it (a copy in the working directory
  // after stage()); "" when there is none.
  const std::string& shim_library() const { return shim_; }

  // A job with the namespaces and view of this run; `writable_program` for the build.
  cell::CellJob job(const std::string& name, bool writable_program, CellPlace& place);
  // The paths a body uses, given what its cell set up.
  std::string program_path(const cell::CellEnv& env, const std::string& executable_name) const;
  std::string scratch_path(const cell::CellEnv& env, const CellPlace& place) const;
  // A cgroup for one cell's programs, or null without cgroups (or when making one failed:
  // rlimits still apply).
  std::unique_ptr<cell::Cgroup> cgroup(const std::string& name, const cell::CgroupLimits& limits) const;

 private:
  const cell::Isolation& iso_;
  const lab::Submission& sub_;
  std::filesystem::path work_;
  std::filesystem::path src_;
  uint64_t sequence_ = 0;
  std::vector<std::string> hidden_;
  std::string shim_;
};

}  // namespace sockgrade::grading
