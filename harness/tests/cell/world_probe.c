/* A tiny program the cell tests run inside a cell, as a student's program runs there: each mode
 * does one ordinary thing a socket lab does and prints what it saw, or the failing call and its
 * errno text on stderr (exit 1). */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <arpa/inet.h>

static int fail(const char *what) {
  fprintf(stderr, "%s: %s\n", what, strerror(errno));
  return 1;
}

/* /tmp's mode, then a pid file written and read back. */
static int tmp_mode(void) {
  struct stat st;
  if (stat("/tmp", &st) != 0) return fail("stat /tmp");
  FILE *f = fopen("/tmp/world-probe.pid", "w");
  if (!f) return fail("fopen /tmp/world-probe.pid");
  fprintf(f, "%d\n", (int)getpid());
  if (fclose(f) != 0) return fail("fclose");
  f = fopen("/tmp/world-probe.pid", "r");
  int pid = 0;
  if (!f || fscanf(f, "%d", &pid) != 1) return fail("read back /tmp/world-probe.pid");
  fclose(f);
  printf("mode %o pid-file %s\n", (unsigned)(st.st_mode & 07777), pid == (int)getpid() ? "ok" : "wrong");
  return 0;
}

static int unix_bind(const char *path) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) return fail("socket");
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
  unlink(path);
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) return fail("bind");
  if (listen(fd, 5) != 0) return fail("listen");
  unlink(path);
  printf("listened at %s\n", path);
  return 0;
}

static int devices(void) {
  int null_fd = open("/dev/null", O_WRONLY);
  if (null_fd < 0) return fail("open /dev/null");
  if (write(null_fd, "x", 1) != 1) return fail("write /dev/null");
  int rnd = open("/dev/urandom", O_RDONLY);
  if (rnd < 0) return fail("open /dev/urandom");
  unsigned char buf[16];
  if (read(rnd, buf, sizeof buf) != (ssize_t)sizeof buf) return fail("read /dev/urandom");
  printf("devices ok\n");
  return 0;
}

static int names(void) {
  struct servent *s = getservbyname("daytime", "tcp");
  if (!s) {
    fprintf(stderr, "getservbyname(daytime): not found\n");
    return 1;
  }
  struct hostent *h = gethostbyname("localhost");
  if (!h || h->h_addrtype != AF_INET) {
    fprintf(stderr, "gethostbyname(localhost): not found\n");
    return 1;
  }
  char ip[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, h->h_addr_list[0], ip, sizeof ip);
  printf("daytime %d localhost %s\n", ntohs((unsigned short)s->s_port), ip);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "tmp") == 0) return tmp_mode();
  if (argc >= 3 && strcmp(argv[1], "unix-bind") == 0) return unix_bind(argv[2]);
  if (argc >= 2 && strcmp(argv[1], "devices") == 0) return devices();
  if (argc >= 2 && strcmp(argv[1], "names") == 0) return names();
  fprintf(stderr, "usage: world_probe tmp|unix-bind PATH|devices|names\n");
  return 2;
}
