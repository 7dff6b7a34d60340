/*
 * server.c - an ITERATIVE TCP "uppercase" line server: the model solution of
 * the example lab in docs/writing-labs.md (labs/examples/uppercase.md).
 *
 *   usage: ./server [PORT]        (default port 54154)
 *
 * For every line a client sends, the server replies with the same line in
 * upper case: the ASCII letters a-z become A-Z, every other byte (digits,
 * punctuation, '\n', bytes above 127) comes back unchanged. When the client
 * closes or half-closes its connection, the server has answered everything,
 * closes that connection and serves the next client, forever.
 *
 * Build:  cc -std=gnu11 -O2 -g -Wall -Wextra -pthread -o server server.c
 *
 * Why no line buffer: upper-casing maps each byte to exactly one byte, on its
 * own. Converting every chunk read() returns and sending it at once therefore
 * produces exactly the bytes that converting whole lines would - and the
 * reply to a line is complete as soon as the line's last byte has arrived,
 * however TCP cut the line into pieces.
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
#include <unistd.h>

#define DEFAULT_PORT 54154
#define BUF_SIZE 4096
#define BACKLOG 64

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
      return -1; /* EPIPE, ECONNRESET: the client is gone */
    }
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

/*
 * a-z to A-Z, nothing else. Not toupper(): what it changes depends on the
 * locale (after a setlocale() call it may change bytes above 127), and the
 * protocol says those come back unchanged.
 */
static void upper_ascii(char *buf, size_t len) {
  for (size_t i = 0; i < len; i++) {
    if (buf[i] >= 'a' && buf[i] <= 'z') buf[i] = (char)(buf[i] - 'a' + 'A');
  }
}

/* Serves one client until EOF or an error of its connection. The caller closes connfd. */
static void serve_client(int connfd) {
  char buf[BUF_SIZE];
  for (;;) {
    ssize_t n = read(connfd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      fprintf(stderr, "uppercase: read: %s\n", strerror(errno)); /* ECONNRESET */
      return;
    }
    if (n == 0) return; /* EOF: the client closed or half-closed, all answered */
    upper_ascii(buf, (size_t)n);
    if (write_all(connfd, buf, (size_t)n) < 0) {
      fprintf(stderr, "uppercase: write: %s\n", strerror(errno));
      return;
    }
  }
}

/* socket, SO_REUSEADDR, bind to 127.0.0.1, listen; exits with a message if one fails. */
static int open_listener(int port) {
  int listenfd = socket(AF_INET, SOCK_STREAM, 0);
  if (listenfd < 0) {
    perror("socket");
    exit(1);
  }
  int one = 1; /* restart at once, even with old connections in TIME_WAIT */
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
  return listenfd;
}

int main(int argc, char *argv[]) {
  int port = DEFAULT_PORT;
  if (argc > 2) usage(argv[0]);
  if (argc == 2) port = parse_port(argv[1], argv[0]);
  setvbuf(stdout, NULL, _IOLBF, 0);

  /* A client that vanishes mid-reply: write() fails with EPIPE instead of killing us. */
  if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
    perror("signal(SIGPIPE)");
    exit(1);
  }

  int listenfd = open_listener(port);
  printf("uppercase: listening on 127.0.0.1:%d\n", port);

  for (;;) {
    int connfd = accept(listenfd, NULL, NULL);
    if (connfd < 0) {
      /* EINTR, or a connection aborted before we took it: wait for the next. */
      if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) continue;
      perror("uppercase: accept");
      exit(1);
    }
    serve_client(connfd);
    close(connfd); /* our FIN: the client sees EOF after the last reply */
  }
}
