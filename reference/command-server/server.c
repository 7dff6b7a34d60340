/*
 * server.c - the lecture's COMMAND SERVER: a shell session per connection,
 * one process per client (model solution of the lab "command-server").
 *
 *   usage: ./server [PORT]        (default port 54154)
 *
 * For each connection the parent fork()s a child. The child makes the
 * connection its standard input, output AND error (dup2) and replaces itself
 * with /bin/sh (exec). From then on the shell reads the client's lines as
 * commands, and everything the commands print - on stdout or on stderr -
 * goes straight back over the connection. No copying loop is needed: the
 * kernel connects the shell to the socket, descriptors are descriptors.
 *
 * When the client half-closes (shutdown(SHUT_WR)), the shell reads EOF and
 * exits like at the end of a script; the exiting process closes its copies of
 * the connection, and since the parent closed its own copy right after
 * fork(), that was the last one: the client sees EOF.
 *
 * Build:  cc -std=gnu11 -O2 -g -Wall -Wextra -pthread -o server server.c
 *
 * This runs ANY command a client sends, as the user running the server: it
 * listens on 127.0.0.1 only, and belongs in a lab, never on a network.
 *
 * The duties of every fork() server (see echo-server-fork) apply:
 *   1. the parent closes its copy of each connection after fork();
 *   2. the parent reaps its children (SIGCHLD handler, waitpid in a loop);
 *   3. the child never returns into the accept loop - here exec() replaces
 *      it, and a failed exec() ends in _exit().
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
#define BACKLOG 64
#define SHELL "/bin/sh"

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

/*
 * SIGCHLD handler: reap every session that has ended. One SIGCHLD may stand
 * for several children (signals are not queued), hence the loop; WNOHANG
 * because sessions still running must not block us. errno is saved: the
 * handler may run between a failed accept() and the test of its errno.
 */
static void reap_sessions(int sig) {
  (void)sig;
  int saved_errno = errno;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  errno = saved_errno;
}

/* Installs handler for sig, or exits: the server cannot work without it. */
static void set_handler(int sig, void (*handler)(int), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = flags;
  if (sigaction(sig, &sa, NULL) < 0) {
    perror("sigaction");
    exit(1);
  }
}

/*
 * The child: becomes the client's shell. Never returns.
 *
 * dup2(connfd, fd) makes fd another name for the connection. All three
 * standard descriptors must be redirected: without fd 2, the error messages
 * of the commands ("sh: 1: foo: not found") would go to the server's
 * terminal instead of to the client.
 */
static void run_session(int connfd, int listenfd) {
  close(listenfd); /* the shell has no business accepting our clients */
  /*
   * Signal dispositions that are IGNORED survive exec(), and the commands
   * the client runs would inherit them: with SIGPIPE ignored by whoever
   * started the server, `yes | head -1` ends with "yes: standard output:
   * Broken pipe" instead of quietly. Give the shell the defaults (handlers,
   * like our SIGCHLD one, are reset by exec() anyway).
   */
  signal(SIGPIPE, SIG_DFL);
  signal(SIGCHLD, SIG_DFL);
  for (int fd = 0; fd <= 2; fd++) {
    if (dup2(connfd, fd) < 0) _exit(127);
  }
  if (connfd > 2) close(connfd); /* fds 0, 1 and 2 hold the connection now */
  execl(SHELL, "sh", (char *)NULL);
  /* Only reached if exec failed: tell the client (fd 2 is the connection). */
  fprintf(stderr, "command-server: cannot run %s: %s\n", SHELL, strerror(errno));
  _exit(127);
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

/* socket, SO_REUSEADDR, bind to 127.0.0.1, listen; exits with a message if one fails. */
static int open_listener(int port) {
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
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* a remote shell: this machine only */
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

/* accept() that retries what concerns one connection only; exits if the listener broke. */
static int accept_client(int listenfd) {
  for (;;) {
    int connfd = accept(listenfd, NULL, NULL);
    if (connfd >= 0) return connfd;
    int err = errno;
    /* EINTR: a session ended and SIGCHLD interrupted accept(). Not an error. */
    if (err == EINTR || is_transient_accept_error(err)) continue;
    if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
      fprintf(stderr, "command-server: accept: %s (retrying in 1 s)\n", strerror(err));
      sleep(1);
      continue;
    }
    fprintf(stderr, "command-server: accept: %s\n", strerror(err));
    exit(1);
  }
}

int main(int argc, char *argv[]) {
  int port = DEFAULT_PORT;
  if (argc > 2) usage(argv[0]);
  if (argc == 2) port = parse_port(argv[1], argv[0]);
  setvbuf(stdout, NULL, _IOLBF, 0);

  /*
   * No SA_RESTART: an accept() interrupted by SIGCHLD fails with EINTR, and
   * accept_client() calls it again. SA_NOCLDSTOP: a stopped session is not
   * an ended one.
   */
  set_handler(SIGCHLD, reap_sessions, SA_NOCLDSTOP);

  int listenfd = open_listener(port);
  printf("command-server: listening on 127.0.0.1:%d\n", port);

  for (;;) {
    int connfd = accept_client(listenfd);
    pid_t pid = fork();
    if (pid < 0) {
      /* Too many processes (EAGAIN): refuse this client, keep serving. */
      fprintf(stderr, "command-server: fork: %s\n", strerror(errno));
      close(connfd);
      continue;
    }
    if (pid == 0) run_session(connfd, listenfd);
    printf("command-server: session %ld started\n", (long)pid);
    /*
     * The parent's copy must go now: the connection is closed (the client
     * sees EOF) only when its LAST descriptor is closed. Kept here, the
     * client would wait forever after its session ended.
     */
    close(connfd);
  }
}
