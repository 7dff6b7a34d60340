/*
 * daytime_client.c - a TCP daytime client (model solution of the lab
 * "daytime-client").
 *
 *   usage: ./client [HOST [PORT]]     (defaults: 127.0.0.1 13)
 *
 * A daytime server (RFC 867) sends the current time as a line of text as
 * soon as a client connects, then closes the connection. The client prints
 * every byte it receives until the server closes (read() returns 0).
 *
 * Build:  cc -std=gnu11 -O2 -g -Wall -Wextra -o client daytime_client.c
 *
 * TCP is a byte stream: the line may arrive in one piece or in many, and it
 * may be longer than our buffer. So we loop on read() until EOF and write
 * exactly the n bytes each read() returned - no terminating NUL needed, no
 * assumption about the length.
 */
#include <errno.h>
#include <netdb.h> /* getaddrinfo */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEFAULT_HOST "127.0.0.1"
#define DEFAULT_PORT "13"

static const char *prog = "client";

/* write() may write fewer bytes than asked, or be interrupted (EINTR). */
static int write_all(int fd, const char *buf, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, buf, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    buf += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Connects to host:port, trying every address getaddrinfo() returns.
 * Returns the socket, or exits with the reason on stderr. */
static int connect_to(const char *host, const char *port) {
  struct addrinfo hints, *res, *ai;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  int rc = getaddrinfo(host, port, &hints, &res);
  if (rc != 0) {
    fprintf(stderr, "%s: %s port %s: %s\n", prog, host, port, gai_strerror(rc));
    exit(1);
  }
  int fd = -1, err = 0;
  for (ai = res; ai != NULL; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) {
      err = errno;
      continue;
    }
    while ((rc = connect(fd, ai->ai_addr, ai->ai_addrlen)) < 0 && errno == EINTR) {
    }
    if (rc == 0) break;
    err = errno;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) {
    fprintf(stderr, "%s: cannot connect to %s port %s: %s\n", prog, host, port, strerror(err));
    exit(1);
  }
  return fd;
}

int main(int argc, char *argv[]) {
  prog = argv[0];
  if (argc > 3) {
    fprintf(stderr, "usage: %s [HOST [PORT]]\n", prog);
    return 2;
  }
  const char *host = argc > 1 ? argv[1] : DEFAULT_HOST;
  const char *port = argc > 2 ? argv[2] : DEFAULT_PORT;
  int sock = connect_to(host, port);

  char buf[512];
  for (;;) {
    ssize_t n = read(sock, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      fprintf(stderr, "%s: read: %s\n", prog, strerror(errno));
      return 1;
    }
    if (n == 0) break; /* EOF: the server has sent everything */
    if (write_all(STDOUT_FILENO, buf, (size_t)n) < 0) {
      fprintf(stderr, "%s: write to stdout: %s\n", prog, strerror(errno));
      return 1;
    }
  }
  close(sock);
  return 0;
}
