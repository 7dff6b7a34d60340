/* A loopback throughput probe for bench/proxy_throughput.sh.
 *   stream sink PORT          accept connections on 127.0.0.1:PORT, read and discard, forever
 *   stream send PORT MIB [W]  connect to 127.0.0.1:PORT, send MIB MiB in write()s of W bytes
 *                             (default 1 MiB), wait for the sink's close, print MB/s (10^6 B/s)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in loopback(int port) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

static int sink(int port) {
  int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  struct sockaddr_in a = loopback(port);
  setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 16)) {
    perror("sink");
    return 1;
  }
  static char buf[1 << 20];
  for (;;) {
    int c = accept(l, NULL, NULL);
    if (c < 0) continue;
    while (read(c, buf, sizeof buf) > 0) {
    }
    close(c);
  }
}

static int send_mib(int port, long mib, size_t chunk) {
  static char buf[1 << 20];
  if (chunk == 0 || chunk > sizeof buf) chunk = sizeof buf;
  memset(buf, 'x', sizeof buf);
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = loopback(port);
  if (connect(s, (struct sockaddr *)&a, sizeof a)) {
    perror("connect");
    return 1;
  }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (long i = 0; i < mib; i++) {
    size_t off = 0;
    while (off < sizeof buf) {
      size_t want = sizeof buf - off < chunk ? sizeof buf - off : chunk;
      ssize_t w = write(s, buf + off, want);
      if (w <= 0) {
        perror("write");
        return 1;
      }
      off += (size_t)w;
    }
  }
  shutdown(s, SHUT_WR);
  char b;
  while (read(s, &b, 1) > 0) {
  } /* the sink closes once it has read everything */
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  printf("%.1f\n", (double)mib * 1048576.0 / secs / 1e6);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 3 && !strcmp(argv[1], "sink")) return sink(atoi(argv[2]));
  if (argc >= 4 && !strcmp(argv[1], "send")) return send_mib(atoi(argv[2]), atol(argv[3]), argc >= 5 ? (size_t)atol(argv[4]) : 0);
  fprintf(stderr, "usage: stream sink PORT | stream send PORT MIB [WRITE_BYTES]\n");
  return 2;
}
