/*
 * echo_server_fork.c - a CONCURRENT TCP echo server, one process per client
 * (model solution of the lab "echo-server-fork").
 *
 *   usage: ./server [PORT]        (default port 54154)
 *
 * The parent only accepts. For each connection it fork()s a child that
 * echoes every byte back until the client closes or half-closes, then
 * closes the connection and EXITS. Meanwhile the parent is back in accept(),
 * so any number of clients are served at the same time.
 *
 * Build:  cc -std=gnu11 -O2 -g -Wall -Wextra -o server echo_server_fork.c
 *
 * Three duties come with fork(), each easy to forget:
 *   1. REAP the children. A child that exits stays a "zombie" (an entry in
 *      the process table holding its exit status) until its parent calls
 *      wait()/waitpid(). The SIGCHLD handler reaps them - in a LOOP, because
 *      several children that exit together may raise a single SIGCHLD.
 *   2. The PARENT CLOSES ITS COPY of each connection right after fork(). After
 *      fork() both processes hold the socket; the connection is only closed
 *      (FIN sent, client sees EOF) when the LAST holder closes it.
 *   3. The CHILD EXITS after serving. Otherwise it returns into the accept
 *      loop and becomes a second, unplanned server.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEFAULT_PORT 54154
#define BUF_SIZE 4096
#define BACKLOG 128 /* bursts of clients wait here while the parent forks */

static void usage(const char *prog) {
  fprintf(stderr, "usage: %s [PORT]   (PORT: 1..65535, default %d)\n", prog, DEFAULT_PORT);
  exit(2);
}

/* strtol, not atoi: "abc" and "99999" are rejected instead of becoming ports. */
static int parse_port(const char *s, const char *prog) {
  char *end;
  errno = 0;
  long port = strtol(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || port < 1 || port > 65535) {
    fprintf(stderr, "%s: invalid port '%s'\n", prog, s);
    usage(prog);
  }
  return (int)port;
}

/* write() may write fewer bytes than asked, or fail with EINTR: loop. */
static int write_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1; /* EPIPE, ECONNRESET: this client is gone */
    }
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

/* The child's whole job: echo until EOF (read() == 0) or an error. */
static void echo_connection(int connfd) {
  char buf[BUF_SIZE];
  for (;;) {
    ssize_t n = read(connfd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return; /* ECONNRESET: the client aborted; only this child cares */
    }
    if (n == 0) return; /* EOF: the client closed or half-closed */
    if (write_all(connfd, buf, (size_t)n) < 0) return;
  }
}

/*
 * SIGCHLD handler: reap EVERY child that has exited, without blocking.
 *
 * Signals are not queued: if three children exit while SIGCHLD is already
 * pending, the parent gets ONE signal. A handler that calls wait() once per
 * signal would leave two zombies behind. So we loop: waitpid(-1, ..., WNOHANG)
 * returns the pid of a reaped child, 0 when children remain but none has
 * exited, -1 (ECHILD) when there are no children at all.
 *
 * waitpid() may change errno, and the handler interrupts the main program
 * anywhere (e.g. between a failed accept() and its errno test): save and
 * restore errno.
 */
static void reap_children(int sig) {
  (void)sig;
  int saved_errno = errno;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  errno = saved_errno;
}

static int is_transient_accept_error(int err) {
  switch (err) {
    case ECONNABORTED: case EPROTO: case ENETDOWN: case ENOPROTOOPT:
    case EHOSTDOWN: case ENONET: case EHOSTUNREACH: case ENETUNREACH:
      return 1;
    default:
      return 0;
  }
}

int main(int argc, char *argv[]) {
  int port = DEFAULT_PORT;
  if (argc > 2) usage(argv[0]);
  if (argc == 2) port = parse_port(argv[1], argv[0]);
  setvbuf(stdout, NULL, _IOLBF, 0);

  /* A vanished client makes write() fail with EPIPE instead of killing us. */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_IGN;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGPIPE, &sa, NULL) < 0) {
    perror("sigaction(SIGPIPE)");
    exit(1);
  }

  /*
   * Install the reaper. We do NOT set SA_RESTART, on purpose, to show what
   * every fork server must handle anyway: a SIGCHLD that arrives while the
   * parent waits in accept() interrupts it, and accept() fails with EINTR.
   * That is not an error - we simply call accept() again (see below).
   */
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = reap_children;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_NOCLDSTOP; /* only exits, not stops, interest us */
  if (sigaction(SIGCHLD, &sa, NULL) < 0) {
    perror("sigaction(SIGCHLD)");
    exit(1);
  }

  int listenfd = socket(AF_INET, SOCK_STREAM, 0);
  if (listenfd < 0) {
    perror("socket");
    exit(1);
  }
  int one = 1;
  if (setsockopt(listenfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) {
    perror("setsockopt(SO_REUSEADDR)");
    exit(1);
  }
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons((unsigned short)port);
  if (bind(listenfd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    perror("bind");
    exit(1);
  }
  if (listen(listenfd, BACKLOG) < 0) {
    perror("listen");
    exit(1);
  }
  printf("echo-server-fork: listening on 127.0.0.1:%d\n", port);

  for (;;) {
    int connfd = accept(listenfd, NULL, NULL);
    if (connfd < 0) {
      int err = errno;
      if (err == EINTR) continue; /* a child exited (SIGCHLD): accept again */
      if (is_transient_accept_error(err)) continue;
      if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
        fprintf(stderr, "echo-server-fork: accept: %s (retrying in 1 s)\n", strerror(err));
        sleep(1);
        continue;
      }
      fprintf(stderr, "echo-server-fork: accept: %s\n", strerror(err));
      exit(1);
    }

    pid_t pid = fork();
    if (pid < 0) {
      /* Too many processes (EAGAIN): refuse this client, keep serving. */
      fprintf(stderr, "echo-server-fork: fork: %s\n", strerror(errno));
      close(connfd);
      continue;
    }
    if (pid == 0) {
      /*
       * The child. It does not accept: close its copy of the listening
       * socket. Serve this one client, close, and EXIT - _exit(), not
       * return, so that it never falls back into the accept loop (and
       * does not flush stdio buffers inherited from the parent twice).
       */
      close(listenfd);
      echo_connection(connfd);
      close(connfd);
      _exit(0);
    }
    /*
     * The parent. The child has its own copy of connfd now; ours must go,
     * or the connection stays open after the child closes it (the client
     * never sees EOF) and we leak one descriptor per client.
     */
    close(connfd);
  }
}
