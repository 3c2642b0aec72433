/* The kernel-socket floor: the least a receiver of core_pattern `@@PATH`
 * (Linux 6.17+) can do, to set our socket path against. It listens on PATH
 * and, for each connection in turn, reads the kernel's struct coredump_req,
 * acks COREDUMP_KERNEL|COREDUMP_WAIT (as systemd 262 does), reads the
 * kernel's mark, then drains the core to EOF into a 1 MiB buffer and drops it.
 * It prints "ready" once listening, and "<core bytes> <mark>" per connection.
 * Exits after COUNT connections (default 1; 0 = until killed).
 * SOCKET_FLOOR_RCVBUF=<bytes> sets each connection's receive buffer first
 * (SO_RCVBUFFORCE), to see what the socket's buffer size costs.
 *
 * usage: socket-floor PATH [COUNT] */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* linux/coredump.h (6.17) */
#define COREDUMP_KERNEL (1ULL << 0)
#define COREDUMP_WAIT (1ULL << 3)
#define COREDUMP_REQ_SIZE_VER0 16
#define REQ_SIZE_MAX 4096

struct ack {
  uint32_t size;
  uint32_t spare;
  uint64_t mask;
};

static int read_full(int fd, void *buf, size_t len) {
  size_t got = 0;
  while (got < len) {
    ssize_t n = read(fd, (char *)buf + got, len - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    got += (size_t)n;
  }
  return 0;
}

static void serve(int conn, char *buf, size_t buflen) {
  const char *rcvbuf = getenv("SOCKET_FLOOR_RCVBUF");
  if (rcvbuf != NULL) {
    int bytes = atoi(rcvbuf);
    if (setsockopt(conn, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) < 0)
      setsockopt(conn, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
  }
  uint32_t head[2];
  ssize_t n;
  do n = recv(conn, head, sizeof head, MSG_PEEK | MSG_WAITALL);
  while (n < 0 && errno == EINTR);
  if (n != (ssize_t)sizeof head || head[0] < COREDUMP_REQ_SIZE_VER0 || head[0] > REQ_SIZE_MAX ||
      head[1] < COREDUMP_REQ_SIZE_VER0) {
    fprintf(stderr, "socket-floor: bad coredump_req\n");
    return;
  }
  if (read_full(conn, buf, head[0]) < 0) return;
  struct ack ack = {.size = sizeof ack, .spare = 0, .mask = COREDUMP_KERNEL | COREDUMP_WAIT};
  if (write(conn, &ack, sizeof ack) != (ssize_t)sizeof ack) return;
  uint32_t mark = 0;
  if (read_full(conn, &mark, sizeof mark) < 0) return;
  unsigned long long total = 0;
  for (;;) {
    n = read(conn, buf, buflen);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    total += (unsigned long long)n;
  }
  printf("%llu %u\n", total, mark);
  fflush(stdout);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: socket-floor PATH [COUNT]\n");
    return 2;
  }
  long count = argc > 2 ? strtol(argv[2], NULL, 10) : 1;
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(argv[1]) >= sizeof sa.sun_path) return 2;
  strcpy(sa.sun_path, argv[1]);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  unlink(argv[1]);
  umask(0077);
  if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 4096) < 0) {
    perror("socket-floor");
    return 1;
  }
  size_t buflen = 1 << 20;
  char *buf = malloc(buflen);
  if (buf == NULL) return 1;
  printf("ready\n");
  fflush(stdout);
  for (long i = 0; count == 0 || i < count; i++) {
    int conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
    if (conn < 0) {
      if (errno == EINTR) continue;
      perror("socket-floor: accept");
      return 1;
    }
    serve(conn, buf, buflen);
    close(conn);
  }
  unlink(argv[1]);
  return 0;
}
