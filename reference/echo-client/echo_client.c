/*
 * echo_client.c - a TCP echo client (model solution of the lab "echo-client").
 *
 *   usage: ./client [HOST [PORT]]     (defaults: 127.0.0.1 54154)
 *
 * The client copies its standard input to the server and everything the
 * server sends back to its standard output. At the end of its input (EOF on
 * stdin) it HALF-CLOSES the connection - shutdown(SHUT_WR) says "no more data
 * from me" while the connection stays open for reading - and keeps printing
 * until the server closes the connection. Then it exits 0.
 *
 * Build:  cc -std=gnu11 -O2 -g -Wall -Wextra -pthread -o client echo_client.c
 *
 * Two directions, two threads. Data flows both ways at the same time: if
 * one thread first wrote all of stdin and only then read the replies, a big
 * input would fill the server's buffers and ours - the server blocks writing
 * its echo to us, stops reading, and we block writing to it: a deadlock. So
 * a second thread copies stdin -> socket while the main thread copies
 * socket -> stdout. (poll() or select() in one thread works as well.)
 *
 * Errors: every call is checked. A refused connection, a server that closes
 * the connection before our input is all sent, or a reset: a message on
 * stderr and exit status 1.
 */
#include <errno.h>
#include <netdb.h> /* getaddrinfo */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEFAULT_HOST "127.0.0.1"
#define DEFAULT_PORT "54154"
#define BUF_SIZE 4096

static const char *prog = "client";

/* Set by the sending thread BEFORE it half-closes: from then on, the
 * server's EOF is the normal end, not an early close. */
static atomic_int input_done;

static void die(const char *what) {
  fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(errno));
  exit(1);
}

/*
 * write() may write fewer bytes than asked (a "short write"), and may be
 * interrupted by a signal before writing anything (EINTR). Loop until all n
 * bytes are out. Returns 0, or -1 with errno set.
 */
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

/* Connects to host:port (a name or a numeric address), trying every address
 * getaddrinfo() returns. Returns the socket, or exits with the reason. */
static int connect_to(const char *host, const char *port) {
  struct addrinfo hints, *res, *ai;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;     /* IPv4 or IPv6 */
  hints.ai_socktype = SOCK_STREAM; /* TCP */
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
    /* connect() can fail (ECONNREFUSED: nothing listens there). Never go on
     * with an unconnected socket: say so at once. */
    while ((rc = connect(fd, ai->ai_addr, ai->ai_addrlen)) < 0 && errno == EINTR) {
    }
    if (rc == 0) break;
    err = errno;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) {
    errno = err;
    fprintf(stderr, "%s: cannot connect to %s port %s: %s\n", prog, host, port, strerror(errno));
    exit(1);
  }
  return fd;
}

/* The sending thread: stdin -> socket, then half-close. */
static void *send_stdin(void *arg) {
  int sock = *(int *)arg;
  char buf[BUF_SIZE];
  for (;;) {
    ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("read from stdin");
    }
    if (n == 0) break; /* EOF: no more input */
    if (write_all(sock, buf, (size_t)n) < 0) die("write to the server");
  }
  atomic_store(&input_done, 1);
  /* Half-close: the server reads EOF, sends back what it still has, closes.
   * close() here would also stop us from READING the rest of the echo. */
  if (shutdown(sock, SHUT_WR) < 0) die("shutdown");
  return NULL;
}

int main(int argc, char *argv[]) {
  prog = argv[0];
  const char *host = argc > 1 ? argv[1] : DEFAULT_HOST;
  const char *port = argc > 2 ? argv[2] : DEFAULT_PORT;
  if (argc > 3) {
    fprintf(stderr, "usage: %s [HOST [PORT]]\n", prog);
    return 2;
  }

  /* Writing to a connection the server has closed raises SIGPIPE, whose
   * default action kills us without a word. Ignored, the write() fails with
   * EPIPE instead, and we can say what happened. */
  signal(SIGPIPE, SIG_IGN);

  int sock = connect_to(host, port);

  pthread_t sender;
  if ((errno = pthread_create(&sender, NULL, send_stdin, &sock)) != 0) die("pthread_create");

  /* The main thread: socket -> stdout until the server closes. A reply may
   * arrive in any number of pieces; each read() returns what is there. */
  char buf[BUF_SIZE];
  for (;;) {
    ssize_t n = read(sock, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("read from the server"); /* e.g. ECONNRESET */
    }
    if (n == 0) break; /* EOF: the server closed the connection */
    if (write_all(STDOUT_FILENO, buf, (size_t)n) < 0) die("write to stdout");
  }
  if (!atomic_load(&input_done)) {
    /* The server closed before we sent all our input: part of it was never
     * echoed. exit() also ends the sending thread. */
    fprintf(stderr, "%s: the server closed the connection before the input was sent\n", prog);
    exit(1);
  }
  pthread_join(sender, NULL);
  close(sock);
  return 0;
}
