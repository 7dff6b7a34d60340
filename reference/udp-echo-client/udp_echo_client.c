/*
 * udp_echo_client.c - a UDP echo client (model solution of the lab
 * "udp-echo-client").
 *
 *   usage: ./client [HOST [PORT]]     (defaults: 127.0.0.1 54154)
 *
 * Each line of stdin goes to the server as one datagram; the echo is printed
 * once. UDP promises nothing: a datagram may be lost (so we wait at most
 * TIMEOUT_MS for the echo and send the line again, up to TRIES times), or
 * delivered twice (so a reply that is not the echo of the line we wait for -
 * a late duplicate of an earlier echo - is ignored). After TRIES unanswered
 * tries the client gives up: a message on stderr, exit status 1. At the end
 * of stdin it exits 0.
 *
 * Build:  cc -std=gnu11 -O2 -g -Wall -Wextra -o client udp_echo_client.c
 */
#define _GNU_SOURCE /* getline */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEFAULT_HOST "127.0.0.1"
#define DEFAULT_PORT "54154"
#define MAX_DATAGRAM 65507
#define TIMEOUT_MS 500
#define TRIES 5

int main(int argc, char *argv[]) {
  const char *host = argc > 1 ? argv[1] : DEFAULT_HOST;
  const char *port = argc > 2 ? argv[2] : DEFAULT_PORT;

  struct addrinfo hints, *res;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  int rc = getaddrinfo(host, port, &hints, &res);
  if (rc != 0) {
    fprintf(stderr, "%s: %s port %s: %s\n", argv[0], host, port, gai_strerror(rc));
    return 1;
  }
  int fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
  if (fd < 0) {
    perror("socket");
    return 1;
  }

  static char reply[MAX_DATAGRAM + 1];
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  while ((len = getline(&line, &cap, stdin)) > 0) {
    if (len > MAX_DATAGRAM) {
      fprintf(stderr, "%s: a line longer than %d bytes does not fit in a datagram\n", argv[0], MAX_DATAGRAM);
      return 1;
    }
    int answered = 0;
    for (int try = 1; try <= TRIES && !answered; ++try) {
      if (sendto(fd, line, (size_t)len, 0, res->ai_addr, res->ai_addrlen) < 0) {
        perror("sendto");
        return 1;
      }
      /* Wait for OUR echo; anything else (a duplicate of an earlier echo)
       * is read and dropped, and the wait goes on. (A simple client: the
       * wait restarts after a dropped reply.) */
      for (;;) {
        struct pollfd pfd = {fd, POLLIN, 0};
        int r = poll(&pfd, 1, TIMEOUT_MS);
        if (r < 0) {
          if (errno == EINTR) continue;
          perror("poll");
          return 1;
        }
        if (r == 0) break; /* timeout: send again */
        ssize_t n = recvfrom(fd, reply, sizeof reply, 0, NULL, NULL);
        if (n < 0) {
          /* ECONNREFUSED: an ICMP "port unreachable" from an earlier try;
           * nobody listens yet - count it as a lost answer. */
          if (errno == EINTR || errno == ECONNREFUSED) continue;
          perror("recvfrom");
          return 1;
        }
        if (n == len && memcmp(reply, line, (size_t)len) == 0) {
          fwrite(reply, 1, (size_t)n, stdout);
          fflush(stdout); /* print each echo as it comes */
          answered = 1;
          break;
        }
      }
    }
    if (!answered) {
      fprintf(stderr, "%s: no answer from %s port %s after %d tries\n", argv[0], host, port, TRIES);
      return 1;
    }
  }
  free(line);
  freeaddrinfo(res);
  close(fd);
  return 0;
}
