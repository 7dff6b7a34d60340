/* A probe for the preload shim (faults/shim/shim.c): makes a known sequence of calls and
 * reports, on stderr, one line of key=value pairs describing what each call returned.
 *
 *   shim_probe stream OP N K   N calls of OP (write, send, writev, sendmsg) of K bytes on one
 *                              end of a socketpair(AF_UNIX, SOCK_STREAM); the other end reads
 *                              back what each call took, with read() and recv() in turn
 *   shim_probe connect C       C loopback TCP connections: connect() then accept()
 *   shim_probe udp N K         N sendto() datagrams of K bytes on loopback, each read back
 *   shim_probe file PATH N K   N write()s of K bytes to a regular file
 *   shim_probe stdout N K      N write()s of K bytes to stdout
 *
 * Every call the shim may interrupt is retried on EINTR and counted. The calls are blocking
 * and their sequence does not depend on timing (a socketpair delivers each write before it
 * returns), so under one seed the report is the same on every run.
 *
 * Report: calls (intercepted calls made), writes (write calls that returned), short (returned
 * fewer than K), withheld (bytes short writes did not take), min and max (of what the write
 * calls returned), distinct (how many different counts), eintr_write, eintr_read, eintr_accept,
 * eintr_connect, max_run (longest run of EINTRs in a row), corrupt (bytes read back that differ
 * from those written), seq (E for EINTR, else the count, for each call, in order), sndbuf (the
 * largest SO_SNDBUF of an accepted socket, connect mode; -1 otherwise).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static long calls, writes, shorts, withheld, min_count = -1, max_count = -1;
static long eintr_write, eintr_read, eintr_accept, eintr_connect, run, max_run, corrupt;
static char seen[1 << 16];
static long distinct;
static long accepted_sndbuf = -1;
static char seq[1 << 20];
static size_t seq_len;

static void die(const char *what) {
  fprintf(stderr, "shim_probe: %s: %s\n", what, strerror(errno));
  exit(2);
}

static void note(const char *item) {
  size_t n = strlen(item);
  if (seq_len + n + 2 < sizeof seq) {
    if (seq_len) seq[seq_len++] = ',';
    memcpy(seq + seq_len, item, n);
    seq_len += n;
  }
}

/* Records one intercepted call's result; true when it was an EINTR (the caller retries). */
static int record(long r, long *eintr_counter) {
  calls++;
  if (r < 0 && errno == EINTR) {
    (*eintr_counter)++;
    if (++run > max_run) max_run = run;
    note("E");
    return 1;
  }
  run = 0;
  if (r < 0) die("call");
  char item[32];
  snprintf(item, sizeof item, "%ld", r);
  note(item);
  return 0;
}

static void count_write(long r, long k) {
  writes++;
  if (r < k) {
    shorts++;
    withheld += k - r;
  }
  if (min_count < 0 || r < min_count) min_count = r;
  if (r > max_count) max_count = r;
  if (r >= 0 && r < (long)sizeof seen && !seen[r]) {
    seen[r] = 1;
    distinct++;
  }
}

static long one_write(const char *op, int fd, const char *buf, long k) {
  long r;
  do {
    if (strcmp(op, "write") == 0) {
      r = write(fd, buf, (size_t)k);
    } else if (strcmp(op, "send") == 0) {
      r = send(fd, buf, (size_t)k, MSG_NOSIGNAL);
    } else if (strcmp(op, "writev") == 0) {
      struct iovec iov[2] = {{(void *)buf, (size_t)k / 2},
                             {(void *)(buf + k / 2), (size_t)(k - k / 2)}};
      r = writev(fd, iov, 2);
    } else if (strcmp(op, "sendmsg") == 0) {
      struct iovec iov[2] = {{(void *)buf, (size_t)k / 2},
                             {(void *)(buf + k / 2), (size_t)(k - k / 2)}};
      struct msghdr m;
      memset(&m, 0, sizeof m);
      m.msg_iov = iov;
      m.msg_iovlen = 2;
      r = sendmsg(fd, &m, MSG_NOSIGNAL);
    } else {
      fprintf(stderr, "shim_probe: unknown op %s\n", op);
      exit(2);
    }
  } while (record(r, &eintr_write));
  count_write(r, k);
  return r;
}

/* Reads exactly n bytes (n > 0 is known to be there) and checks them against `expected`. */
static void read_back(int fd, const char *expected, long n, int use_recv) {
  char buf[1 << 16];
  long got = 0;
  while (got < n) {
    long r;
    do {
      r = use_recv ? recv(fd, buf + got, (size_t)(n - got), 0)
                   : read(fd, buf + got, (size_t)(n - got));
    } while (record(r, &eintr_read));
    if (r == 0) {
      fprintf(stderr, "shim_probe: unexpected EOF\n");
      exit(2);
    }
    got += r;
  }
  for (long i = 0; i < n; i++) corrupt += buf[i] != expected[i];
}

static void fill(char *buf, long k, long salt) {
  for (long i = 0; i < k; i++) buf[i] = (char)('a' + (i * 7 + salt) % 26);
}

static void stream_mode(const char *op, long n, long k) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) die("socketpair");
  char buf[1 << 16];
  for (long i = 0; i < n; i++) {
    fill(buf, k, i);
    long r = one_write(op, sv[0], buf, k);
    if (r > 0) read_back(sv[1], buf, r, (int)(i % 2));
  }
}

static int tcp_listener(struct sockaddr_in *addr) {
  int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (l < 0) die("socket");
  memset(addr, 0, sizeof *addr);
  addr->sin_family = AF_INET;
  addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof *addr;
  if (bind(l, (struct sockaddr *)addr, len) != 0 || listen(l, 64) != 0) die("bind/listen");
  if (getsockname(l, (struct sockaddr *)addr, &len) != 0) die("getsockname");
  return l;
}

static void connect_mode(long c) {
  struct sockaddr_in addr;
  int l = tcp_listener(&addr);
  for (long i = 0; i < c; i++) {
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) die("socket");
    long r = connect(s, (struct sockaddr *)&addr, sizeof addr);
    if (record(r, &eintr_connect)) {
      /* Interrupted: as on Linux the connection goes on; wait for it, as POSIX says. */
      struct pollfd p = {s, POLLOUT, 0};
      int err = 0;
      socklen_t el = sizeof err;
      if (poll(&p, 1, -1) != 1 || getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0) die("connect");
    }
    int a;
    do {
      a = accept(l, NULL, NULL);
    } while (record(a < 0 ? -1 : 0, &eintr_accept));
    int size = 0;
    socklen_t sl = sizeof size;
    if (getsockopt(a, SOL_SOCKET, SO_SNDBUF, &size, &sl) != 0) die("getsockopt");
    if (size > accepted_sndbuf) accepted_sndbuf = size;
    close(a);
    close(s);
  }
  close(l);
}

static void udp_mode(long n, long k) {
  int rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (rx < 0 || tx < 0) die("socket");
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(rx, (struct sockaddr *)&addr, len) != 0 ||
      getsockname(rx, (struct sockaddr *)&addr, &len) != 0) {
    die("bind");
  }
  char buf[1 << 16], in[1 << 16];
  for (long i = 0; i < n; i++) {
    fill(buf, k, i);
    long r;
    do {
      r = sendto(tx, buf, (size_t)k, 0, (struct sockaddr *)&addr, sizeof addr);
    } while (record(r, &eintr_write));
    count_write(r, k);
    do {
      r = recvfrom(rx, in, sizeof in, 0, NULL, NULL);
    } while (record(r, &eintr_read));
    if (r != k || memcmp(in, buf, (size_t)k) != 0) corrupt++;
  }
}

/* Writes to a descriptor that is not a socket: the shim must leave these alone. */
static void plain_mode(int fd, long n, long k) {
  char buf[1 << 16];
  for (long i = 0; i < n; i++) {
    fill(buf, k, i);
    long r = write(fd, buf, (size_t)k);
    if (r < 0 && errno == EINTR) {
      eintr_write++;
      continue;
    }
    if (r < 0) die("write");
    count_write(r, k);
  }
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr,
            "usage: shim_probe stream OP N K | connect C | udp N K | file PATH N K | stdout N K | leak-signal\n");
    return 2;
  }
  const char *mode = argv[1];
  if (strcmp(mode, "leak-signal") == 0 && argc == 2) {
    /* The shim's SIGRTMAX handler (SOCKGRADE_SHIM_LEAK_SIGNAL) ends the program; 3: it did not. */
    raise(SIGRTMAX);
    return 3;
  }
  if (strcmp(mode, "stream") == 0 && argc == 5) {
    stream_mode(argv[2], atol(argv[3]), atol(argv[4]));
  } else if (strcmp(mode, "connect") == 0 && argc == 3) {
    connect_mode(atol(argv[2]));
  } else if (strcmp(mode, "udp") == 0 && argc == 4) {
    udp_mode(atol(argv[2]), atol(argv[3]));
  } else if (strcmp(mode, "file") == 0 && argc == 5) {
    int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) die("open");
    plain_mode(fd, atol(argv[3]), atol(argv[4]));
    close(fd);
  } else if (strcmp(mode, "stdout") == 0 && argc == 4) {
    plain_mode(1, atol(argv[2]), atol(argv[3]));
  } else {
    fprintf(stderr, "shim_probe: bad arguments\n");
    return 2;
  }
  fprintf(stderr,
          "calls=%ld writes=%ld short=%ld withheld=%ld min=%ld max=%ld distinct=%ld "
          "eintr_write=%ld eintr_read=%ld "
          "eintr_accept=%ld eintr_connect=%ld max_run=%ld corrupt=%ld sndbuf=%ld seq=%s\n",
          calls, writes, shorts, withheld, min_count, max_count, distinct, eintr_write, eintr_read,
          eintr_accept, eintr_connect, max_run, corrupt, accepted_sndbuf, seq_len ? seq : "-");
  return 0;
}
