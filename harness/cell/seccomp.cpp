#include "cell/seccomp.hpp"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

namespace sockgrade::cell {
namespace {

#define SG_DENY(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM)

// Static: the filter is built at compile time, nothing is allocated between fork and exec.
struct sock_filter kFilter[] = {
    // Other architectures (and the x32 ABI) are refused outright.
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
    SG_DENY(SYS_ptrace),
    SG_DENY(SYS_process_vm_readv),
    SG_DENY(SYS_process_vm_writev),
    SG_DENY(SYS_kcmp),
    SG_DENY(SYS_mount),
    SG_DENY(SYS_umount2),
    SG_DENY(SYS_pivot_root),
    SG_DENY(SYS_unshare),
    SG_DENY(SYS_setns),
    SG_DENY(SYS_init_module),
    SG_DENY(SYS_finit_module),
    SG_DENY(SYS_delete_module),
    SG_DENY(SYS_kexec_load),
    SG_DENY(SYS_reboot),
    SG_DENY(SYS_swapon),
    SG_DENY(SYS_swapoff),
    SG_DENY(SYS_bpf),
    SG_DENY(SYS_perf_event_open),
    SG_DENY(SYS_keyctl),
    SG_DENY(SYS_add_key),
    SG_DENY(SYS_request_key),
    SG_DENY(SYS_userfaultfd),
    SG_DENY(SYS_open_by_handle_at),
    SG_DENY(SYS_name_to_handle_at),
    SG_DENY(SYS_acct),
    SG_DENY(SYS_quotactl),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};

#undef SG_DENY

}  // namespace

const char* install_seccomp_filter() noexcept {
  struct sock_fprog prog = {static_cast<unsigned short>(sizeof kFilter / sizeof kFilter[0]), kFilter};
  if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) return "prctl(PR_SET_SECCOMP)";
  return nullptr;
}

}  // namespace sockgrade::cell
