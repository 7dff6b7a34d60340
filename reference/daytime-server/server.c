/*
 * server.c - an ITERATIVE TCP daytime server, RFC 867 (model solution of the
 * lab "daytime-server").
 *
 *   usage: ./server [PORT]        (default port 13, the daytime port)
 *
 * For every connection the server sends ONE line of ASCII text with the
 * current date and time, ending in "\r\n", and nothing after it:
 *
 *   Saturday, December 05, 2026 14:53:07-UTC\r\n
 *
 * then closes that connection and accepts the next client, forever. The
 * client sends nothing: the connection itself is the request, and our close()
 * (the client sees EOF) says that the reply is complete.
 *
 * Build:  cc -std=gnu11 -O2 -g -Wall -Wextra -pthread -o server server.c
 *
 * Port 13 is below 1024: only root (or a process with CAP_NET_BIND_SERVICE)
 * may bind it. Run it as ./server 40013 for your own tests.
 *
 * As in every server: errors while SETTING UP (socket, bind, listen) end the
 * program with exit(1); an error of ONE CONNECTION (a client that resets)
 * ends only that connection.
 */
#include <arpa/inet.h>  /* htons, htonl */
#include <errno.h>
#include <netinet/in.h> /* struct sockaddr_in, INADDR_LOOPBACK */
#include <signal.h>     /* sigaction, SIGPIPE */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>   /* time, localtime_r, strftime */
#include <unistd.h> /* write, close */

#define DEFAULT_PORT 13
#define BACKLOG 64     /* clients the kernel may queue while we serve one */
#define LINE_SIZE 128  /* the longest line strftime() can make here is ~60 bytes */

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
 * Formats the current local date and time as one line ending in "\r\n" (the
 * Internet's end of line, RFC 867 asks for text lines) and returns its
 * length, or 0 if the clock cannot be read.
 *
 * The length is what strftime() RETURNS: the line is a C string in a larger
 * buffer, and only its bytes are the reply - never sizeof line, which would
 * send the '\0' and whatever follows it in memory.
 */
static size_t format_daytime(char *line, size_t size) {
  time_t now = time(NULL);
  struct tm tm;
  if (now == (time_t)-1 || localtime_r(&now, &tm) == NULL) return 0;
  return strftime(line, size, "%A, %B %d, %Y %H:%M:%S-%Z\r\n", &tm);
}

/* Sends the daytime line to one client. Errors concern this client only. */
static void serve_client(int connfd) {
  char line[LINE_SIZE];
  size_t len = format_daytime(line, sizeof line);
  if (len == 0) {
    fprintf(stderr, "daytime-server: cannot read the clock\n");
    return;
  }
  if (write_all(connfd, line, len) < 0) {
    fprintf(stderr, "daytime-server: write: %s\n", strerror(errno));
  }
}

/* accept() errors of the one connection being accepted: try the next. */
static int is_transient_accept_error(int err) {
  switch (err) {
    case ECONNABORTED: case EPROTO: case ENETDOWN: case ENOPROTOOPT:
    case EHOSTDOWN: case ENONET: case EHOSTUNREACH: case ENETUNREACH:
      return 1;
    default:
      return 0;
  }
}

/* socket, SO_REUSEADDR, bind, listen; exits with a message if one fails. */
static int open_listener(int port) {
  int listenfd = socket(AF_INET, SOCK_STREAM, 0);
  if (listenfd < 0) {
    perror("socket");
    exit(1);
  }
  /*
   * SO_REUSEADDR matters even more here than in an echo server: a daytime
   * server closes every connection FIRST, so every served client leaves a
   * connection of ours in TIME_WAIT for about a minute. Without this option
   * a server restarted within that minute fails to bind() (EADDRINUSE).
   */
  int one = 1;
  if (setsockopt(listenfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) {
    perror("setsockopt(SO_REUSEADDR)");
    exit(1);
  }
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* this machine only */
  addr.sin_port = htons((unsigned short)port);
  if (bind(listenfd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    int err = errno;
    fprintf(stderr, "bind to port %d: %s%s\n", port, strerror(err),
            err == EACCES ? " (ports below 1024 need root: give a port number)" : "");
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
  setvbuf(stdout, NULL, _IOLBF, 0); /* log lines appear at once, even in a pipe */

  /*
   * A client that resets its connection before we write would make write()
   * raise SIGPIPE, whose default action kills the process. Ignored, write()
   * fails with EPIPE instead and only that client is lost.
   */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_IGN;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGPIPE, &sa, NULL) < 0) {
    perror("sigaction(SIGPIPE)");
    exit(1);
  }

  int listenfd = open_listener(port);
  printf("daytime-server: listening on 127.0.0.1:%d\n", port);

  for (;;) {
    int connfd = accept(listenfd, NULL, NULL);
    if (connfd < 0) {
      int err = errno;
      if (err == EINTR || is_transient_accept_error(err)) continue;
      if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
        fprintf(stderr, "daytime-server: accept: %s (retrying in 1 s)\n", strerror(err));
        sleep(1); /* out of descriptors or memory: do not spin on the error */
        continue;
      }
      fprintf(stderr, "daytime-server: accept: %s\n", strerror(err));
      exit(1);
    }
    serve_client(connfd);
    /*
     * close() sends our FIN: the client's read() returns 0, which is how it
     * knows the line is complete. It also frees the descriptor - a server
     * that forgets it runs out of descriptors after a few hundred clients.
     */
    if (close(connfd) < 0) perror("daytime-server: close");
  }
}
