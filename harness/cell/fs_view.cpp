#include "cell/fs_view.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/fd.hpp"

#include "sockgrade_source_dir.hpp"

namespace sockgrade::cell {
namespace fs = std::filesystem;
namespace {

Result<void> mount_tmpfs(const std::string& at, const std::string& options, unsigned long flags = 0) {
  if (::mount("tmpfs", at.c_str(), "tmpfs", MS_NOSUID | MS_NODEV | flags, options.c_str()) != 0) {
    return unexpected(errno_error("mount(tmpfs, " + at + ")"));
  }
  return {};
}

Result<void> make_dir(const std::string& path, mode_t mode, uid_t uid, gid_t gid) {
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) return unexpected(errno_error("mkdir(" + path + ")"));
  if (::chown(path.c_str(), uid, gid) != 0) return unexpected(errno_error("chown(" + path + ")"));
  if (::chmod(path.c_str(), mode) != 0) return unexpected(errno_error("chmod(" + path + ")"));
  return {};
}

// The shim's bytes ("" when there is none).
Result<std::string> read_shim(const std::string& path) {
  if (path.empty()) return std::string();
  std::ifstream in(path, std::ios::binary);
  if (!in) return error_result("cannot read the preload shim " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<void> make_all_read_only() {
  struct mount_attr ro{};
  ro.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID;
  if (::mount_setattr(AT_FDCWD, "/", AT_RECURSIVE, &ro, sizeof ro) != 0) {
    return unexpected(errno_error("mount_setattr(/, AT_RECURSIVE, RDONLY)"));
  }
  // ... but /proc, where the cell tunes its own network namespace (net.ipv4.tcp_wmem); its
  // files are root's, and the program does not run as root.
  struct mount_attr rw{};
  rw.attr_clr = MOUNT_ATTR_RDONLY;
  if (::mount_setattr(AT_FDCWD, "/proc", 0, &rw, sizeof rw) != 0) {
    return unexpected(errno_error("mount_setattr(/proc, rw)"));
  }
  return {};
}

// The future /tmp, assembled in the staging directory: world-writable and sticky (1777)
// as on any Linux box, since the program runs under a uid of its own and may put a pid file,
// a log or a UNIX-domain socket there.
Result<void> stage_tmp(const ViewSpec& spec, const std::string& prog, const std::string& work,
                       const std::string& shared) {
  SG_CHECK(mount_tmpfs(spec.staging, "mode=1777,size=" + std::to_string(spec.tmp_size_bytes)));
  SG_CHECK(make_dir(prog, 0755, 0, 0));
  SG_CHECK(make_dir(work, 0700, spec.owner, spec.group));
  SG_CHECK(make_dir(shared, 0755, 0, 0));
  return {};
}

// The program's directory, read-only unless it is being built.
Result<void> mount_program_dir(const ViewSpec& spec, const std::string& prog) {
  if (::mount(spec.program_dir.c_str(), prog.c_str(), nullptr, MS_BIND, nullptr) != 0) {
    return unexpected(errno_error("mount(" + spec.program_dir + ", MS_BIND)"));
  }
  unsigned long prog_flags = MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV | (spec.program_writable ? 0 : MS_RDONLY);
  if (::mount(nullptr, prog.c_str(), nullptr, prog_flags, nullptr) != 0) {
    return unexpected(errno_error("mount(" + prog + ", MS_REMOUNT)"));
  }
  return {};
}

// The shim, where the program can load it.
Result<void> install_shim(View& view, const std::string& shared, const std::string& shim_bytes) {
  if (shim_bytes.empty()) return {};
  view.shim_library = view.shared + "/libsockgrade_shim.so";
  std::string path = shared + "/libsockgrade_shim.so";
  Fd f(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755));
  if (!f || ::write(f.get(), shim_bytes.data(), shim_bytes.size()) != static_cast<ssize_t>(shim_bytes.size())) {
    return unexpected(errno_error("write(" + path + ")"));
  }
  return {};
}

// Empty directories over what a student must not read.
Result<void> hide_directories(const std::vector<std::string>& hidden) {
  for (const auto& dir : hidden) {
    struct stat st;
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    bool writable = dir == "/dev/shm";
    SG_CHECK(mount_tmpfs(dir, writable ? "mode=1777,size=16m" : "mode=0755,size=4k", writable ? 0 : MS_RDONLY));
  }
  return {};
}

}  // namespace

std::vector<std::string> default_hidden_directories() {
  std::vector<std::string> dirs = {"/root", "/home", "/var/tmp", "/dev/shm"};
  std::error_code ec;
  auto source = fs::weakly_canonical(SOCKGRADE_SOURCE_DIR, ec);
  if (!ec) dirs.push_back(source.string());
  char exe[4096];
  ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    auto dir = fs::path(std::string(exe, static_cast<std::size_t>(n))).parent_path();
    if (dir != "/usr/bin" && dir != "/usr/local/bin" && dir != "/bin") dirs.push_back(dir.parent_path().string());
  }
  return dirs;
}

// The steps, in order (after nsjail's containProc): each one mount or one file, each failure
// naming the call and the errno.
Result<View> enter_view(const ViewSpec& spec) {
  View view;
  // The shim is read now: its directory is about to disappear.
  SG_TRY(std::string shim_bytes, read_shim(spec.shim_library));
  // 1. Everything read-only (and no set-uid), recursively, but /proc.
  SG_CHECK(make_all_read_only());
  // 2. The future /tmp, in the staging directory.
  std::string prog = spec.staging + "/prog", work = spec.staging + "/work", shared = spec.staging + "/.sockgrade";
  SG_CHECK(stage_tmp(spec, prog, work, shared));
  // 3. The program's directory.
  SG_CHECK(mount_program_dir(spec, prog));
  // 4. The shim.
  SG_CHECK(install_shim(view, shared, shim_bytes));
  // 5. It becomes /tmp: the host's /tmp (other submissions' work directories) disappears.
  if (::mount(spec.staging.c_str(), "/tmp", nullptr, MS_MOVE, nullptr) != 0) {
    return unexpected(errno_error("mount(" + spec.staging + ", /tmp, MS_MOVE)"));
  }
  // 6. Empty directories over what a student must not read.
  SG_CHECK(hide_directories(spec.hidden));
  return view;
}

}  // namespace sockgrade::cell
