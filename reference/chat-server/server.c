/*
 * server.c - a CHAT server in ONE thread of ONE process, with select()
 * (model solution of the lab "chat-server").
 *
 *   usage: ./server [PORT]        (default port 54154)
 *
 * Every complete line a client sends (up to and including '\n') is relayed
 * to every OTHER connected client - whole, in order, exactly once - and never
 * back to the sender. Try it with three terminals running `nc 127.0.0.1 PORT`.
 *
 * Build:  cc -std=gnu11 -O2 -g -Wall -Wextra -pthread -o server server.c
 *
 * One loop waits in select() for whichever socket is ready, does only what
 * cannot block, and goes back to select(). The rules that make this work:
 *
 *   1. TCP has no lines, only bytes. One read() may return half a line, or
 *      three lines and a half. So each client has an INPUT BUFFER: bytes are
 *      held there until a '\n' completes a line, and only complete lines are
 *      relayed. Relaying raw read() chunks would cut lines, and interleave
 *      one client's half line with another client's line.
 *   2. NEVER BLOCK on one client. A client that stops reading fills its
 *      socket buffers; a blocking write() to it would stop the whole server,
 *      and every other client with it. So the sockets are non-blocking, and
 *      each client has an OUTPUT QUEUE: what write() could not send yet
 *      waits there until select() says the socket is writable again.
 *   3. BOUND what a slow client may cost. A client that never reads would
 *      make its queue grow forever: past MAX_PENDING bytes we disconnect it.
 *   4. A CLIENT THAT LEAVES LEAVES THE SETS. read() == 0 (EOF) or an error:
 *      close the socket and forget it. A closed descriptor left in a set
 *      makes select() fail with EBADF.
 *   5. IGNORE SIGPIPE. Writing to a client that has just vanished must be
 *      an error return (EPIPE) for that client, not the death of the server.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h> /* TCP_NODELAY */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define DEFAULT_PORT 54154
#define BACKLOG 64
#define READ_SIZE 4096
#define MAX_LINE (64 * 1024)    /* a client whose line grows longer is dropped */
#define MAX_PENDING (64 * 1024) /* output a client may leave unread before it is dropped */

/* A growable array of bytes: data[0..len) are in use. */
struct buffer {
  char *data;
  size_t len, cap;
};

/* What we remember about one client between two calls of select(). */
struct client {
  int fd;
  struct buffer in;  /* received bytes not yet forming a complete line */
  struct buffer out; /* lines for this client not yet written to its socket */
  int dead;          /* to be dropped at the end of this round */
};

/* Indexed by descriptor: select() works with descriptor numbers below FD_SETSIZE. */
static struct client *clients[FD_SETSIZE];
static int max_client_fd = -1; /* no client has a higher descriptor */

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

static int set_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* Appends n bytes to b. Returns -1 when out of memory. */
static int buffer_append(struct buffer *b, const char *bytes, size_t n) {
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + n) cap *= 2;
    char *data = realloc(b->data, cap);
    if (data == NULL) return -1;
    b->data = data;
    b->cap = cap;
  }
  memcpy(b->data + b->len, bytes, n);
  b->len += n;
  return 0;
}

/* Removes the first n bytes of b. */
static void buffer_consume(struct buffer *b, size_t n) {
  if (n == 0) return;
  memmove(b->data, b->data + n, b->len - n);
  b->len -= n;
}

/* Marks c to be dropped; says why in the log. */
static void kill_client(struct client *c, const char *why) {
  if (!c->dead) printf("chat-server: client %d: %s\n", c->fd, why);
  c->dead = 1;
}

/*
 * Writes as much of c's queue as the socket takes now. EAGAIN means its
 * buffers are full (the client reads slowly, or not at all): the rest stays
 * queued and select() will tell us when there is room.
 */
static void flush_client(struct client *c) {
  size_t sent = 0;
  while (sent < c->out.len) {
    ssize_t n = write(c->fd, c->out.data + sent, c->out.len - sent);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      kill_client(c, strerror(errno)); /* EPIPE, ECONNRESET: it is gone */
      return;
    }
    sent += (size_t)n; /* a short write: the rest waits for select() */
  }
  buffer_consume(&c->out, sent); /* the queue holds only what is still to send */
}

/* Queues one complete line for every client but its sender, and sends what it can at once. */
static void relay_line(const struct client *sender, const char *line, size_t len) {
  for (int fd = 0; fd <= max_client_fd; fd++) {
    struct client *c = clients[fd];
    if (c == NULL || c == sender || c->dead) continue;
    /* An empty queue takes any line; a full one means the client stopped reading. */
    if (c->out.len > 0 && c->out.len + len > MAX_PENDING) {
      kill_client(c, "does not read: more than 64 KiB pending, disconnected");
      continue;
    }
    if (buffer_append(&c->out, line, len) < 0) {
      kill_client(c, "out of memory");
      continue;
    }
    flush_client(c);
  }
}

/*
 * Reads what c has sent and relays every line it completes. Bytes after the
 * last '\n' stay in c->in until the rest of their line arrives.
 */
static void read_client(struct client *c) {
  char buf[READ_SIZE];
  ssize_t n = read(c->fd, buf, sizeof buf);
  if (n < 0) {
    if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) return;
    kill_client(c, strerror(errno)); /* ECONNRESET */
    return;
  }
  if (n == 0) {
    kill_client(c, "left"); /* EOF; an unfinished last line is not a line */
    return;
  }
  if (buffer_append(&c->in, buf, (size_t)n) < 0) {
    kill_client(c, "out of memory");
    return;
  }
  size_t start = 0; /* c->in.data[start..] is not relayed yet */
  for (;;) {
    char *nl = memchr(c->in.data + start, '\n', c->in.len - start);
    if (nl == NULL) break;
    size_t end = (size_t)(nl - c->in.data) + 1; /* the line includes its '\n' */
    relay_line(c, c->in.data + start, end - start);
    start = end;
  }
  buffer_consume(&c->in, start);
  if (c->in.len > MAX_LINE) kill_client(c, "line longer than 64 KiB, disconnected");
}

/* Accepts every waiting connection (the listening socket is non-blocking). */
static void accept_clients(int listenfd) {
  for (;;) {
    int fd = accept(listenfd, NULL, NULL);
    if (fd < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED) {
        fprintf(stderr, "chat-server: accept: %s\n", strerror(errno)); /* EMFILE... */
      }
      return; /* nobody else waits, or try again after the next select() */
    }
    struct client *c = fd < FD_SETSIZE ? calloc(1, sizeof *c) : NULL;
    /*
     * TCP_NODELAY: send each line at once. By default (Nagle's algorithm) the
     * kernel holds a small write back while earlier bytes to that client are
     * not yet acknowledged - and the client may delay its acknowledgement by
     * up to 40 ms. A relay writes many small lines: that would add up.
     */
    int one = 1;
    if (c == NULL || set_nonblocking(fd) < 0 ||
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0) {
      fprintf(stderr, "chat-server: refusing a client (full)\n");
      free(c);
      close(fd);
      continue;
    }
    c->fd = fd;
    clients[fd] = c;
    if (fd > max_client_fd) max_client_fd = fd;
    printf("chat-server: client %d joined\n", fd);
  }
}

/* Closes and forgets every client marked dead this round. */
static void drop_dead_clients(void) {
  for (int fd = 0; fd <= max_client_fd; fd++) {
    struct client *c = clients[fd];
    if (c == NULL || !c->dead) continue;
    close(fd);
    free(c->in.data);
    free(c->out.data);
    free(c);
    clients[fd] = NULL;
  }
}

/*
 * Fills the sets for select(): every client is watched for input, and for
 * room to write when it has output queued. Returns the highest descriptor.
 */
static int build_sets(int listenfd, fd_set *readable, fd_set *writable) {
  FD_ZERO(readable);
  FD_ZERO(writable);
  FD_SET(listenfd, readable);
  int maxfd = listenfd;
  for (int fd = 0; fd <= max_client_fd; fd++) {
    if (clients[fd] == NULL) continue;
    FD_SET(fd, readable);
    if (clients[fd]->out.len > 0) FD_SET(fd, writable);
    if (fd > maxfd) maxfd = fd;
  }
  return maxfd;
}

/* Setup errors end the program: nothing can be served. */
static void die(const char *call) {
  perror(call);
  exit(1);
}

/* socket, SO_REUSEADDR, bind to 127.0.0.1, listen, non-blocking; exits with a message if one fails. */
static int open_listener(int port) {
  int listenfd = socket(AF_INET, SOCK_STREAM, 0);
  if (listenfd < 0) die("socket");
  int one = 1;
  if (setsockopt(listenfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) die("setsockopt(SO_REUSEADDR)");
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons((unsigned short)port);
  if (bind(listenfd, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind");
  if (listen(listenfd, BACKLOG) < 0) die("listen");
  /*
   * Non-blocking: select() may report a connection that the client aborts
   * before we accept() it, and a blocking accept() would then stop the
   * whole server until someone else connects.
   */
  if (set_nonblocking(listenfd) < 0) die("fcntl(O_NONBLOCK)");
  return listenfd; /* one of our first descriptors: well below FD_SETSIZE */
}

int main(int argc, char *argv[]) {
  int port = DEFAULT_PORT;
  if (argc > 2) usage(argv[0]);
  if (argc == 2) port = parse_port(argv[1], argv[0]);
  setvbuf(stdout, NULL, _IOLBF, 0);

  /* Rule 5: a write to a vanished client fails with EPIPE instead of killing us. */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_IGN;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGPIPE, &sa, NULL) < 0) die("sigaction(SIGPIPE)");

  int listenfd = open_listener(port);
  printf("chat-server: listening on 127.0.0.1:%d\n", port);

  for (;;) {
    fd_set readable, writable;
    int maxfd = build_sets(listenfd, &readable, &writable);
    /* No timeout: with nothing to do the server sleeps here, using no CPU. */
    if (select(maxfd + 1, &readable, &writable, NULL, NULL) < 0) {
      if (errno == EINTR) continue;
      perror("chat-server: select");
      exit(1);
    }
    /* select() rewrote the sets: only the ready descriptors are still in them. */
    for (int fd = 0; fd <= maxfd; fd++) {
      struct client *c = clients[fd];
      if (c == NULL || c->dead) continue; /* dead: killed while relaying this round */
      if (FD_ISSET(fd, &writable)) flush_client(c);
      if (FD_ISSET(fd, &readable) && !c->dead) read_client(c);
    }
    if (FD_ISSET(listenfd, &readable)) accept_clients(listenfd);
    drop_dead_clients();
  }
}
