/*
 * udp_echo_server.c - a UDP echo server (model solution of the lab
 * "udp-echo-server").
 *
 *   usage: ./server [PORT]        (default port 54154)
 *
 * Connectionless: there is no listen() and no accept(). One socket receives
 * datagrams from anyone; recvfrom() says who sent each one, and sendto()
 * sends the reply back to exactly that address. Every datagram is a message
 * of its own: one recvfrom() returns one whole datagram (or its first bytes,
 * if the buffer is too small - the rest is lost), so the buffer must hold the
 * largest datagram there is: 65507 bytes over IPv4.
 *
 * Build:  cc -std=gnu11 -O2 -g -Wall -Wextra -o server udp_echo_server.c
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEFAULT_PORT 54154
#define MAX_DATAGRAM 65507 /* 65535 - 8 (UDP header) - 20 (IPv4 header) */

static int parse_port(const char *s, const char *prog) {
  char *end;
  errno = 0;
  long port = strtol(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || port < 1 || port > 65535) {
    fprintf(stderr, "usage: %s [PORT]   (PORT: 1..65535)\n", prog);
    exit(2);
  }
  return (int)port;
}

int main(int argc, char *argv[]) {
  int port = argc > 1 ? parse_port(argv[1], argv[0]) : DEFAULT_PORT;

  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) {
    perror("socket");
    return 1;
  }
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  addr.sin_port = htons((unsigned short)port);
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    perror("bind");
    return 1;
  }
  fprintf(stderr, "udp-echo-server: listening on port %d\n", port);

  /* static: 64 KiB is large for the stack of a small program. */
  static char buf[MAX_DATAGRAM];
  for (;;) {
    struct sockaddr_storage from; /* any family */
    socklen_t fromlen = sizeof from; /* in: the room we have; out: what was filled */
    ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fromlen);
    if (n < 0) {
      if (errno == EINTR) continue;
      perror("recvfrom"); /* e.g. ECONNREFUSED left by an earlier reply: keep serving */
      continue;
    }
    /* n == 0 is an empty datagram, not an end of anything: UDP has no
     * connection. Echo it like any other. The reply goes to THIS sender. */
    if (sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fromlen) < 0) {
      perror("sendto"); /* one lost reply; UDP promises nothing more */
    }
  }
}
