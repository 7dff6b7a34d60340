#include "grading/placement.hpp"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "faults/shim.hpp"
#include "lab/build.hpp"

namespace sockgrade::grading {
namespace fs = std::filesystem;
namespace {

// Directories that must stay visible whatever the submission's location: hiding one of them
// (or an ancestor) would hide the system or the view itself.
bool may_hide(const fs::path& dir) {
  static const char* kKeep[] = {"/", "/tmp", "/proc", "/dev", "/sys", "/usr", "/etc", "/bin", "/lib", "/lib64", "/sbin", "/run", "/var"};
  auto d = dir.lexically_normal();
  for (const char* keep : kKeep) {
    fs::path k(keep);
    auto [a, b] = std::mismatch(d.begin(), d.end(), k.begin(), k.end());
    if (a == d.end()) return false;  // d is `keep` or one of its ancestors
  }
  return true;
}

void chown_tree(const fs::path& root, uid_t uid, gid_t gid) {
  std::error_code ec;
  ::lchown(root.c_str(), uid, gid);
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    ::lchown(it->path().c_str(), uid, gid);
  }
}

}  // namespace

Placement::Placement(const cell::Isolation& isolation, const lab::Submission& submission)
    : iso_(isolation), sub_(submission) {
  hidden_ = cell::default_hidden_directories();
  fs::path around = sub_.path.parent_path();
  hidden_.push_back(around.string());  // other submissions next to this one
  hidden_.erase(std::remove_if(hidden_.begin(), hidden_.end(), [](const std::string& d) { return !may_hide(d); }),
                hidden_.end());
  if (auto shim = faults::shim_library_path()) shim_ = *shim;
}

Placement::~Placement() {
  std::error_code ec;
  if (!work_.empty()) fs::remove_all(work_, ec);
}

Result<void> Placement::stage() {
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/sockgrade-XXXXXX";
  if (!::mkdtemp(tmpl.data())) return unexpected(errno_error("cannot create a working directory in " + tmpl));
  work_ = tmpl;
  // Traversable by the program's uid (without a view it reaches its files through here),
  // never listable.
  ::chmod(work_.c_str(), 0711);
  // Without a view the program loads the preload shim from the host: a copy here, where its
  // uid can reach it, whatever the modes above the harness's own directory (a checkout in
  // /root, a 0700 CI workspace).
  if (!iso_.fs_view && !shim_.empty()) {
    std::error_code ec;
    fs::path copy = work_ / "libsockgrade_shim.so";
    // A failed copy leaves the host's path: a check that needs the shim then says it was not
    // loaded (a harness error), as before.
    if (fs::copy_file(shim_, copy, fs::copy_options::overwrite_existing, ec) && !ec) {
      ::chmod(copy.c_str(), 0755);
      shim_ = copy.string();
    }
  }
  src_ = work_ / "src";
  if (sub_.kind == lab::Submission::Kind::executable) {
    std::error_code ec;
    fs::create_directories(src_, ec);
    fs::copy_file(sub_.path, src_ / sub_.path.filename(), fs::copy_options::overwrite_existing, ec);
    if (ec) return error_result("cannot copy " + sub_.path.string() + ": " + ec.message());
    ::chmod((src_ / sub_.path.filename()).c_str(), 0755);
  } else {
    SG_CHECK(lab::stage_sources(sub_, src_));
  }
  ::chmod(src_.c_str(), 0755);
  return {};
}

void Placement::seal() {
  if (!iso_.uid_drop) return;
  chown_tree(src_, 0, 0);
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(src_, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_symlink(ec)) continue;
    auto perms = it->status(ec).permissions();
    // Readable by everyone (the program runs under another uid), writable by nobody else.
    fs::permissions(it->path(), (perms | fs::perms::others_read | fs::perms::group_read) &
                                    ~(fs::perms::group_write | fs::perms::others_write),
                    ec);
  }
}

cell::CellJob Placement::job(const std::string& name, bool writable_program, CellPlace& place) {
  cell::CellJob job;
  job.name = name;
  job.user_namespace = iso_.userns;
  job.private_network = iso_.netns;
  job.private_pids = iso_.pidns;
  uint64_t seq = sequence_++;
  if (iso_.uid_drop) place.identity = cell::identity_for_cell(seq);
  // Inside a user namespace the harness (and so the program) is its uid 0.
  uid_t uid = place.identity ? place.identity->uid : (iso_.userns ? 0 : ::geteuid());
  gid_t gid = place.identity ? place.identity->gid : (iso_.userns ? 0 : ::getegid());
  if (writable_program && place.identity) chown_tree(src_, uid, gid);
  if (iso_.fs_view) {
    cell::ViewSpec view;
    view.program_dir = src_.string();
    view.program_writable = writable_program;
    view.staging = (work_ / ("view-" + std::to_string(seq))).string();
    ::mkdir(view.staging.c_str(), 0700);
    view.hidden = hidden_;
    view.owner = uid;
    view.group = gid;
    view.shim_library = shim_;
    job.view = view;
  } else {
    // The host's /tmp is shared: what this cell's own uid leaves there goes with the cell.
    if (place.identity) job.tmp_owner = place.identity->uid;
    place.scratch = work_ / ("scratch-" + std::to_string(seq));
    ::mkdir(place.scratch.c_str(), 0700);
    ::chown(place.scratch.c_str(), uid, gid);
  }
  return job;
}

std::unique_ptr<cell::Cgroup> Placement::cgroup(const std::string& name, const cell::CgroupLimits& limits) const {
  if (!iso_.cgroup) return nullptr;
  auto g = cell::Cgroup::create(iso_.cgroups, "sockgrade-" + std::to_string(::getpid()) + "-" + name, limits);
  return g ? std::move(g).value() : nullptr;
}

std::string Placement::program_path(const cell::CellEnv& env, const std::string& executable_name) const {
  if (env.view) return env.view->program_dir + "/" + executable_name;
  return (src_ / executable_name).string();
}

std::string Placement::scratch_path(const cell::CellEnv& env, const CellPlace& place) const {
  if (env.view) return env.view->scratch;
  return place.scratch.string();
}

}  // namespace sockgrade::grading
