/*
 * unix_echo_server.c - an iterative echo server on a UNIX-domain stream socket
 * (model solution of the lab "unix-echo-server").
 *
 *   usage: ./server PATH
 *
 * Same echo as the TCP lab, but the socket is a FILE in the file system, at
 * PATH: clients connect to the path, not to an address and a port. Only
 * processes on this machine can reach it, and the file's permissions decide
 * who may connect.
 *
 * Build:  cc -std=gnu11 -O2 -g -Wall -Wextra -o server unix_echo_server.c
 *
 * The file outlives the server: after a crash or a kill, PATH is still there
 * and bind() fails with EADDRINUSE. So we unlink() a leftover file before
 * bind(), and remove the socket at exit when we can.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h> /* struct sockaddr_un */
#include <unistd.h>

#define BUF_SIZE 4096
#define BACKLOG 64

static const char *socket_path;

static void remove_socket(void) { unlink(socket_path); }

static void on_signal(int sig) {
  /* Only async-signal-safe calls here: unlink() and _exit() are. */
  unlink(socket_path);
  _exit(128 + sig);
}

/* write() may be short or interrupted (EINTR): loop until all n bytes are out. */
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

/* Echoes one client until it closes (read() returns 0) or fails. */
static void serve(int conn) {
  char buf[BUF_SIZE];
  for (;;) {
    ssize_t n = read(conn, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      perror("read"); /* this client's problem only */
      return;
    }
    if (n == 0) return; /* the client closed or half-closed: done */
    if (write_all(conn, buf, (size_t)n) < 0) {
      perror("write");
      return;
    }
  }
}

int main(int argc, char *argv[]) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s PATH\n", argv[0]);
    return 2;
  }
  socket_path = argv[1];

  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  /* sun_path is a small fixed array (108 bytes on Linux): a longer path
   * would be cut silently by strncpy, so refuse it. */
  if (strlen(socket_path) >= sizeof addr.sun_path) {
    fprintf(stderr, "%s: socket path too long (max %zu bytes)\n", argv[0], sizeof addr.sun_path - 1);
    return 2;
  }
  strcpy(addr.sun_path, socket_path);

  /* A client that vanishes mid-reply must not kill the server. */
  signal(SIGPIPE, SIG_IGN);

  int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (lfd < 0) {
    perror("socket");
    return 1;
  }
  /* A stale socket file from an earlier run: remove it, or bind() fails with
   * EADDRINUSE. Only a socket is removed - never a regular file of the user. */
  struct stat st;
  if (lstat(socket_path, &st) == 0 && S_ISSOCK(st.st_mode)) unlink(socket_path);
  if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    fprintf(stderr, "%s: bind %s: %s\n", argv[0], socket_path, strerror(errno));
    return 1;
  }
  atexit(remove_socket);
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  if (listen(lfd, BACKLOG) < 0) {
    perror("listen");
    return 1;
  }
  fprintf(stderr, "unix-echo-server: listening at %s\n", socket_path);

  for (;;) {
    int conn = accept(lfd, NULL, NULL);
    if (conn < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      perror("accept");
      continue; /* e.g. EMFILE: try again with the next client */
    }
    serve(conn);
    close(conn);
  }
}
