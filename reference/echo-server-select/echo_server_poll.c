/*
 * echo_server_poll.c - a CONCURRENT TCP echo server in ONE thread of ONE
 * process, with poll() (model solution of the lab "echo-server-select").
 *
 *   usage: ./server [PORT]        (default port 54154)
 *
 * One loop waits in poll() for whichever socket is ready: the listening
 * socket (a client is waiting to be accepted) or a client's connection
 * (bytes arrived, or room to send). It then does only what cannot block and
 * goes back to poll(). No client can hold up the others.
 * select() works the same way; poll() has no FD_SETSIZE (1024) limit and
 * does not need its sets rebuilt after every call.
 *
 * Build:  cc -std=gnu11 -O2 -g -Wall -Wextra -o server echo_server_poll.c
 *
 * The rules of a single-threaded server:
 *   1. NEVER BLOCK on one client. Client sockets are non-blocking: read() and
 *      write() return at once (EAGAIN) instead of waiting.
 *   2. KEEP PER-CLIENT STATE. A write may be short (the client reads slowly,
 *      its buffers are full): the rest stays in THAT client's buffer, and we
 *      wait for POLLOUT on it. Meanwhile we stop reading from that client
 *      (so its buffer cannot grow without bound) - the kernel then tells the
 *      client to slow down. Other clients are not affected.
 *   3. A CLOSED CLIENT LEAVES THE SET. After close(fd) the slot is removed;
 *      polling a closed descriptor reports POLLNVAL, and select() fails
 *      with EBADF.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define DEFAULT_PORT 54154
#define BUF_SIZE 16384
#define BACKLOG 128
#define MAX_CLIENTS 1024

/* What we remember about one client between two calls of poll(). */
struct client {
  int fd;
  char buf[BUF_SIZE]; /* bytes read but not yet echoed */
  size_t start, end;  /* the unsent bytes are buf[start..end) */
  int eof;            /* the client half-closed: flush, then close */
};

static struct pollfd pfds[MAX_CLIENTS + 1]; /* [0]: the listening socket */
static struct client *clients[MAX_CLIENTS + 1];
static int nfds = 1;

static void usage(const char *prog) {
  fprintf(stderr, "usage: %s [PORT]   (PORT: 1..65535, default %d)\n", prog, DEFAULT_PORT);
  exit(2);
}

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

static int set_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* Closes slot i and moves the last slot into it: the set stays dense. */
static void drop_client(int i) {
  close(clients[i]->fd);
  free(clients[i]);
  nfds--;
  pfds[i] = pfds[nfds];
  clients[i] = clients[nfds];
}

/* Accepts every waiting connection (the listening socket is non-blocking). */
static void accept_clients(int listenfd) {
  for (;;) {
    int fd = accept(listenfd, NULL, NULL);
    if (fd < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return; /* nobody else waits */
      if (errno == EMFILE || errno == ENFILE) {
        fprintf(stderr, "echo-server-select: accept: %s\n", strerror(errno));
        return; /* try again at the next poll() */
      }
      return; /* ECONNABORTED and friends: that connection died, fine */
    }
    struct client *c = nfds <= MAX_CLIENTS ? calloc(1, sizeof *c) : NULL;
    if (c == NULL || set_nonblocking(fd) < 0) {
      fprintf(stderr, "echo-server-select: refusing a client (full)\n");
      free(c);
      close(fd);
      continue;
    }
    c->fd = fd;
    clients[nfds] = c;
    pfds[nfds].fd = fd;
    pfds[nfds].events = POLLIN;
    nfds++;
  }
}

/*
 * Sends what client c has pending. Returns -1 when the connection failed
 * (EPIPE, ECONNRESET), 0 otherwise - possibly with bytes still pending when
 * the socket's send buffer is full (EAGAIN): poll() will say when to go on.
 */
static int flush_client(struct client *c) {
  while (c->start < c->end) {
    ssize_t n = write(c->fd, c->buf + c->start, c->end - c->start);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
      return -1;
    }
    c->start += (size_t)n; /* a short write: the rest waits for POLLOUT */
  }
  c->start = c->end = 0;
  return 0;
}

/* Handles what poll() reported for slot i. Returns 0 to keep it, -1 to drop it. */
static int serve_client(int i) {
  struct client *c = clients[i];
  short rev = pfds[i].revents;
  if (rev & POLLNVAL) return -1;
  if (c->start == c->end && (rev & (POLLIN | POLLHUP | POLLERR))) {
    ssize_t n = read(c->fd, c->buf, sizeof c->buf);
    if (n < 0) {
      if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) return -1; /* ECONNRESET */
    } else if (n == 0) {
      c->eof = 1; /* the client half-closed or closed: echo the rest, then close */
    } else {
      c->start = 0;
      c->end = (size_t)n;
    }
  }
  if (c->start < c->end && flush_client(c) < 0) return -1;
  if (c->eof && c->start == c->end) return -1; /* all echoed: close (our FIN) */
  /* Either we have bytes to send (wait until they fit) or room to read. */
  pfds[i].events = c->start < c->end ? POLLOUT : POLLIN;
  return 0;
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
  /*
   * Non-blocking: poll() said "readable", but the client may abort before
   * we call accept(), which would then block the whole server.
   */
  if (set_nonblocking(listenfd) < 0) {
    perror("fcntl(O_NONBLOCK)");
    exit(1);
  }
  printf("echo-server-select: listening on 127.0.0.1:%d\n", port);

  pfds[0].fd = listenfd;
  pfds[0].events = POLLIN;
  for (;;) {
    /* -1: no timeout. With nothing to do the server sleeps here, using no CPU. */
    int ready = poll(pfds, (nfds_t)nfds, -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      perror("poll");
      exit(1);
    }
    /* Clients first, from the end: drop_client() moves the last slot into i. */
    for (int i = nfds - 1; i >= 1; i--) {
      if (pfds[i].revents != 0 && serve_client(i) < 0) drop_client(i);
    }
    if (pfds[0].revents & POLLIN) accept_clients(listenfd);
  }
}
