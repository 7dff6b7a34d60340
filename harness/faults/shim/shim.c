/* sockgrade's preload shim (BRIEF §5): loaded into the student's program only (LD_PRELOAD), it
 * makes the program's own socket writes return short counts and its reads, accepts, connects
 * and writes fail with EINTR now and then, as a loaded machine or a signal would. Decisions
 * come from a counter-based generator under the run's seed, so the same seed gives the same
 * pattern of short writes and interruptions for the same sequence of calls.
 *
 * Configuration (environment, read once at load):
 *   SOCKGRADE_SHIM_SEED          the seed (decimal)
 *   SOCKGRADE_SHIM_SHORT         0: off; N > 0: at most N bytes per write; -1: a random share
 *   SOCKGRADE_SHIM_EINTR         per-mille chance of an EINTR on each intercepted call
 *   SOCKGRADE_SHIM_EINTR_RUN     never more than this many EINTRs in a row on a thread (3)
 *   SOCKGRADE_SHIM_EINTR_CONNECT 1: connect() may be interrupted too (off by default: a client
 *                                that never installs a signal handler never sees it)
 *   SOCKGRADE_SHIM_SNDBUF        N > 0: SO_SNDBUF N on every socket accept() returns; stands in
 *                                for the cell's namespace, whose net.ipv4.tcp_wmem caps every
 *                                send buffer, where there is none (so a scenario that needs the
 *                                server's send buffer full is as quick without a namespace)
 *   SOCKGRADE_SHIM_LEAK_SIGNAL   1: SIGRTMAX runs LeakSanitizer's check now and ends the program
 *                                (exit 0, LSan's exit code after a report, 125 without LSan): a server never
 *                                exits by itself, and its leaks per client show only at an exit;
 *                                a clean check is counted in the stats before the exit
 *   SOCKGRADE_SHIM_STATS         a file of 4096 bytes the shim counts into (struct shim_stats)
 *
 * Only calls on sockets are touched: stdout and files behave as usual. Writes libc makes
 * internally (stdio flushing) are not seen, only the program's own calls.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

struct shim_stats {
  uint64_t magic; /* 0x5347534853494d31 "SGSHSIM1" once mapped */
  uint64_t calls;
  uint64_t short_writes;
  uint64_t eintr;
  uint64_t bytes_withheld; /* bytes a short write did not write */
  uint64_t stream_writes;  /* writes on stream sockets while short writes are on */
  uint64_t one_byte_writes; /* of those, writes of at most one byte: they cannot be short */
  uint64_t send_buffers_capped; /* accepted sockets given SO_SNDBUF (SOCKGRADE_SHIM_SNDBUF) */
  uint64_t clean_leak_checks; /* SIGRTMAX handled: LeakSanitizer's check ran and found nothing */
};

static uint64_t seed;
static long short_mode;
static long eintr_permille;
static long eintr_max_run = 3;
static long eintr_connect;
static long send_buffer;
static struct shim_stats *stats;
static uint64_t call_counter;
static __thread int eintr_run;

/* The calls the shim wraps, listed once: each gets real_<name>, the libc function it wraps,
   found when the shim loads. */
#define SHIM_WRAPPED_CALLS(X)                                                                   \
  X(ssize_t, write, (int, const void *, size_t))                                                \
  X(ssize_t, send, (int, const void *, size_t, int))                                            \
  X(ssize_t, sendto, (int, const void *, size_t, int, const struct sockaddr *, socklen_t))      \
  X(ssize_t, sendmsg, (int, const struct msghdr *, int))                                        \
  X(ssize_t, writev, (int, const struct iovec *, int))                                          \
  X(ssize_t, read, (int, void *, size_t))                                                       \
  X(ssize_t, recv, (int, void *, size_t, int))                                                  \
  X(ssize_t, recvfrom, (int, void *, size_t, int, struct sockaddr *, socklen_t *))              \
  X(ssize_t, recvmsg, (int, struct msghdr *, int))                                              \
  X(ssize_t, readv, (int, const struct iovec *, int))                                           \
  X(int, accept, (int, struct sockaddr *, socklen_t *))                                         \
  X(int, accept4, (int, struct sockaddr *, socklen_t *, int))                                   \
  X(int, connect, (int, const struct sockaddr *, socklen_t))

#define SHIM_DECLARE_REAL(type, name, params) static type(*real_##name) params;
SHIM_WRAPPED_CALLS(SHIM_DECLARE_REAL)
#undef SHIM_DECLARE_REAL

static long env_long(const char *name, long fallback) {
  const char *v = getenv(name);
  return v && *v ? strtol(v, NULL, 10) : fallback;
}

/* Found once at load (dlsym is not for signal handlers): the program's LeakSanitizer, if any. */
static void (*lsan_do_leak_check)(void);

static void leak_check_and_exit(int sig) {
  (void)sig;
  if (!lsan_do_leak_check) _exit(125); /* no LeakSanitizer in the program: no verdict */
  lsan_do_leak_check();                 /* reports and exits non-zero on a leak */
  /* The proof the harness needs before it passes the check: an exit 0 alone may be the
     program's own (a daemon's first process). */
  if (stats) __atomic_add_fetch(&stats->clean_leak_checks, 1, __ATOMIC_SEQ_CST);
  _exit(0);
}

static void arm_leak_signal(void) {
  lsan_do_leak_check = (void (*)(void))dlsym(RTLD_DEFAULT, "__lsan_do_leak_check");
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = leak_check_and_exit;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGRTMAX, &sa, NULL);
}

__attribute__((constructor)) static void shim_init(void) {
#define SHIM_FIND_REAL(type, name, params) real_##name = dlsym(RTLD_NEXT, #name);
  SHIM_WRAPPED_CALLS(SHIM_FIND_REAL)
#undef SHIM_FIND_REAL
  const char *s = getenv("SOCKGRADE_SHIM_SEED");
  seed = s ? strtoull(s, NULL, 10) : 1;
  short_mode = env_long("SOCKGRADE_SHIM_SHORT", 0);
  eintr_permille = env_long("SOCKGRADE_SHIM_EINTR", 0);
  eintr_max_run = env_long("SOCKGRADE_SHIM_EINTR_RUN", 3);
  eintr_connect = env_long("SOCKGRADE_SHIM_EINTR_CONNECT", 0);
  send_buffer = env_long("SOCKGRADE_SHIM_SNDBUF", 0);
  if (env_long("SOCKGRADE_SHIM_LEAK_SIGNAL", 0)) arm_leak_signal();
  const char *path = getenv("SOCKGRADE_SHIM_STATS");
  if (path && *path) {
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd >= 0) {
      void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      if (m != MAP_FAILED) {
        stats = m;
        stats->magic = 0x5347534853494d31ull;
      }
      close(fd);
    }
  }
}

/* splitmix64 of the seed and the call's index: the n-th decision is the same on every run. */
static uint64_t decision(void) {
  uint64_t n = __atomic_fetch_add(&call_counter, 1, __ATOMIC_RELAXED);
  uint64_t z = seed + (n + 1) * 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

enum counter { CALLS, SHORT_WRITES, EINTRS, WITHHELD, STREAM_WRITES, ONE_BYTE_WRITES, SEND_BUFFERS_CAPPED };

static void count(enum counter which, uint64_t n) {
  if (!stats) return;
  uint64_t *field = which == CALLS ? &stats->calls
                    : which == SHORT_WRITES ? &stats->short_writes
                    : which == EINTRS ? &stats->eintr
                    : which == STREAM_WRITES ? &stats->stream_writes
                    : which == ONE_BYTE_WRITES ? &stats->one_byte_writes
                    : which == SEND_BUFFERS_CAPPED ? &stats->send_buffers_capped
                                      : &stats->bytes_withheld;
  __atomic_fetch_add(field, n, __ATOMIC_RELAXED);
}

static int is_socket(int fd) {
  struct stat st;
  return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* Only byte streams get short writes: a datagram is all or nothing. */
static int is_stream(int fd) {
  int type = 0;
  socklen_t len = sizeof type;
  return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM;
}

/* True when this call should fail with EINTR (the decision is taken for every socket call,
 * so the sequence does not depend on which calls were interrupted before). */
static int interrupt_now(uint64_t d) {
  count(CALLS, 1);
  if (eintr_permille > 0 && (long)(d % 1000) < eintr_permille && eintr_run < eintr_max_run) {
    eintr_run++;
    count(EINTRS, 1);
    errno = EINTR;
    return 1;
  }
  eintr_run = 0;
  return 0;
}

/* How many of `n` bytes this write on `fd` may take. */
static size_t allowed(int fd, size_t n, uint64_t d) {
  if (short_mode == 0 || !is_stream(fd)) return n;
  count(STREAM_WRITES, 1);
  if (n <= 1) {
    count(ONE_BYTE_WRITES, 1); /* nothing to shorten: the harness must know why none was */
    return n;
  }
  size_t k = short_mode > 0 ? (size_t)short_mode : 1 + (size_t)((d >> 16) % n);
  if (k >= n) return n;
  count(SHORT_WRITES, 1);
  count(WITHHELD, n - k);
  return k;
}

ssize_t write(int fd, const void *buf, size_t n) {
  if (!is_socket(fd)) return real_write(fd, buf, n);
  uint64_t d = decision();
  if (interrupt_now(d)) return -1;
  return real_write(fd, buf, allowed(fd, n, d));
}

ssize_t send(int fd, const void *buf, size_t n, int flags) {
  uint64_t d = decision();
  if (interrupt_now(d)) return -1;
  return real_send(fd, buf, allowed(fd, n, d), flags);
}

ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *to, socklen_t tolen) {
  uint64_t d = decision();
  if (interrupt_now(d)) return -1;
  return real_sendto(fd, buf, allowed(fd, n, d), flags, to, tolen);
}

/* Shortens an iovec array to at most `limit` bytes in `out` (up to 64 entries). */
static int clip_iov(const struct iovec *iov, int cnt, size_t limit, struct iovec *out) {
  int k = 0;
  for (int i = 0; i < cnt && k < 64 && limit > 0; i++) {
    out[k] = iov[i];
    if (out[k].iov_len > limit) out[k].iov_len = limit;
    limit -= out[k].iov_len;
    k++;
  }
  return k;
}

static size_t iov_total(const struct iovec *iov, int cnt) {
  size_t t = 0;
  for (int i = 0; i < cnt; i++) t += iov[i].iov_len;
  return t;
}

ssize_t writev(int fd, const struct iovec *iov, int cnt) {
  if (!is_socket(fd) || cnt <= 0 || cnt > 64) return real_writev(fd, iov, cnt);
  uint64_t d = decision();
  if (interrupt_now(d)) return -1;
  struct iovec clipped[64];
  int k = clip_iov(iov, cnt, allowed(fd, iov_total(iov, cnt), d), clipped);
  return real_writev(fd, clipped, k);
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags) {
  uint64_t d = decision();
  if (interrupt_now(d)) return -1;
  if (msg->msg_iovlen > 64) return real_sendmsg(fd, msg, flags);
  struct iovec clipped[64];
  struct msghdr m = *msg;
  size_t limit = allowed(fd, iov_total(msg->msg_iov, (int)msg->msg_iovlen), d);
  m.msg_iovlen = (size_t)clip_iov(msg->msg_iov, (int)msg->msg_iovlen, limit, clipped);
  m.msg_iov = clipped;
  return real_sendmsg(fd, &m, flags);
}

ssize_t read(int fd, void *buf, size_t n) {
  if (!is_socket(fd)) return real_read(fd, buf, n);
  if (interrupt_now(decision())) return -1;
  return real_read(fd, buf, n);
}

ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen) {
  (void)buflen;
  return read(fd, buf, n);
}

ssize_t recv(int fd, void *buf, size_t n, int flags) {
  if (interrupt_now(decision())) return -1;
  return real_recv(fd, buf, n, flags);
}

ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags) {
  (void)buflen;
  return recv(fd, buf, n, flags);
}

ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *from, socklen_t *fromlen) {
  if (interrupt_now(decision())) return -1;
  return real_recvfrom(fd, buf, n, flags, from, fromlen);
}

ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags, struct sockaddr *from, socklen_t *fromlen) {
  (void)buflen;
  return recvfrom(fd, buf, n, flags, from, fromlen);
}

ssize_t recvmsg(int fd, struct msghdr *msg, int flags) {
  if (interrupt_now(decision())) return -1;
  return real_recvmsg(fd, msg, flags);
}

ssize_t readv(int fd, const struct iovec *iov, int cnt) {
  if (!is_socket(fd)) return real_readv(fd, iov, cnt);
  if (interrupt_now(decision())) return -1;
  return real_readv(fd, iov, cnt);
}

/* The accepted socket gets the capped send buffer before the program sees it (errno kept). */
static int capped(int conn) {
  if (conn >= 0 && send_buffer > 0) {
    int saved = errno;
    int size = (int)send_buffer;
    if (setsockopt(conn, SOL_SOCKET, SO_SNDBUF, &size, sizeof size) == 0) count(SEND_BUFFERS_CAPPED, 1);
    errno = saved;
  }
  return conn;
}

int accept(int fd, struct sockaddr *addr, socklen_t *len) {
  if (interrupt_now(decision())) return -1;
  return capped(real_accept(fd, addr, len));
}

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
  if (interrupt_now(decision())) return -1;
  return capped(real_accept4(fd, addr, len, flags));
}

int connect(int fd, const struct sockaddr *addr, socklen_t len) {
  uint64_t d = decision();
  if (!eintr_connect || !interrupt_now(d)) return real_connect(fd, addr, len);
  /* As when a signal interrupts a blocking connect on Linux: the connection goes on in the
     background, and poll() + SO_ERROR or a second connect() (EALREADY, EISCONN) sees it. */
  int flags = fcntl(fd, F_GETFL);
  if (flags >= 0 && !(flags & O_NONBLOCK)) {
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    real_connect(fd, addr, len);
    fcntl(fd, F_SETFL, flags);
  }
  errno = EINTR;
  return -1;
}
