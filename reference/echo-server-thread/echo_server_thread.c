/*
 * echo_server_thread.c - a CONCURRENT TCP echo server, one thread per client
 * (model solution of the lab "echo-server-thread").
 *
 *   usage: ./server [PORT]        (default port 54154)
 *
 * The main thread only accepts. For each connection it starts a thread that
 * echoes every byte back until the client closes or half-closes, closes the
 * connection and ends. All threads share one process: memory, descriptors,
 * signal dispositions.
 *
 * Build:  cc -std=gnu11 -O2 -g -Wall -Wextra -pthread -o server echo_server_thread.c
 *
 * Three traps of sharing, each avoided below:
 *   1. Pass each thread ITS OWN COPY of the descriptor (on the heap), never
 *      &connfd: the main thread overwrites connfd with the next accept()
 *      before the new thread may have read it, and two threads then serve
 *      the same client while another client is never served.
 *   2. Nothing the threads write is shared: each has its buffer on its own
 *      stack. One global buffer would mix up the bytes of different clients.
 *   3. Threads are DETACHED: a thread that ends is only freed (its 8 MiB stack
 *      unmapped) when someone joins it, or at once if it is detached. The
 *      main thread never joins, so it detaches.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define DEFAULT_PORT 54154
#define BUF_SIZE 4096
#define BACKLOG 128

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

/* write() may write fewer bytes than asked, or fail with EINTR: loop. */
static int write_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

/*
 * One client's thread. `arg` points to a heap int that belongs to this thread
 * alone: read it, free it, and never look at the main thread's variables.
 * errno is per thread, so the usual error handling works unchanged.
 */
static void *serve_client(void *arg) {
  int connfd = *(int *)arg;
  free(arg);

  char buf[BUF_SIZE]; /* on this thread's stack: private to this client */
  for (;;) {
    ssize_t n = read(connfd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      break; /* ECONNRESET: this client aborted */
    }
    if (n == 0) break; /* EOF: the client closed or half-closed */
    if (write_all(connfd, buf, (size_t)n) < 0) break;
  }
  /* The thread that owns the descriptor closes it: nobody else may. */
  close(connfd);
  return NULL;
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

  /*
   * SIGPIPE's default action kills the whole PROCESS - every thread, every
   * client. Ignore it once, here, for all threads: a write to a vanished
   * client then fails with EPIPE in that client's thread only.
   */
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
  printf("echo-server-thread: listening on 127.0.0.1:%d\n", port);

  /* Every thread starts detached: its resources go back when it returns. */
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);

  for (;;) {
    int connfd = accept(listenfd, NULL, NULL);
    if (connfd < 0) {
      int err = errno;
      if (err == EINTR || is_transient_accept_error(err)) continue;
      if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
        fprintf(stderr, "echo-server-thread: accept: %s (retrying in 1 s)\n", strerror(err));
        sleep(1);
        continue;
      }
      fprintf(stderr, "echo-server-thread: accept: %s\n", strerror(err));
      exit(1);
    }

    /* The thread's own copy of the descriptor: it outlives this iteration. */
    int *arg = malloc(sizeof *arg);
    if (arg == NULL) {
      fprintf(stderr, "echo-server-thread: out of memory, refusing a client\n");
      close(connfd);
      continue;
    }
    *arg = connfd;

    pthread_t tid;
    int rc = pthread_create(&tid, &attr, serve_client, arg);
    if (rc != 0) {
      /* pthread functions return the error instead of setting errno. */
      fprintf(stderr, "echo-server-thread: pthread_create: %s\n", strerror(rc));
      free(arg);
      close(connfd);
      continue;
    }
    /* Do NOT close(connfd) here: the thread uses it; the thread closes it. */
  }
}
