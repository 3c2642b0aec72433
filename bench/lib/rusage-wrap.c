/*
 * rusage-wrap OUTPREFIX CMD [ARGS...]: run CMD as a child and, when it ends,
 * write one line to OUTPREFIX.<child pid>:
 *   start_ns end_ns utime_us stime_us maxrss_kib write_bytes cancelled_write_bytes rchar status
 * start/end are CLOCK_MONOTONIC (the clock of Node's process.hrtime), taken
 * just before fork and just after the child is reaped. write_bytes and
 * cancelled_write_bytes come from /proc/<child>/io read while the child is a
 * zombie (waitid WNOWAIT), so they cover every thread of it; maxrss and CPU
 * come from wait4 (the child and the children it reaped).
 * If LISTEN_PID is set it is rewritten to the child's pid, so socket-activated
 * programs (sd_listen_fds checks LISTEN_PID == getpid()) accept fd 3.
 * stdin and every other fd are inherited; the exit status is passed on.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: rusage-wrap OUTPREFIX CMD [ARGS...]\n");
    return 127;
  }
  uint64_t start = now_ns();
  pid_t pid = fork();
  if (pid < 0) return 127;
  if (pid == 0) {
    if (getenv("LISTEN_PID") != NULL) {
      char buf[32];
      snprintf(buf, sizeof buf, "%d", (int)getpid());
      setenv("LISTEN_PID", buf, 1);
    }
    execv(argv[2], argv + 2);
    _exit(127);
  }
  siginfo_t si;
  while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0) {
  }
  unsigned long long wb = 0, cwb = 0, rchar = 0;
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/io", (int)pid);
  FILE *io = fopen(path, "r");
  if (io != NULL) {
    char line[128];
    while (fgets(line, sizeof line, io) != NULL) {
      sscanf(line, "write_bytes: %llu", &wb);
      sscanf(line, "cancelled_write_bytes: %llu", &cwb);
      sscanf(line, "rchar: %llu", &rchar);
    }
    fclose(io);
  }
  int status = 0;
  struct rusage ru;
  memset(&ru, 0, sizeof ru);
  wait4(pid, &status, 0, &ru);
  uint64_t end = now_ns();
  char out[4096];
  snprintf(out, sizeof out, "%s.%d", argv[1], (int)pid);
  FILE *f = fopen(out, "w");
  if (f != NULL) {
    fprintf(f, "%" PRIu64 " %" PRIu64 " %lld %lld %ld %llu %llu %llu %d\n", start, end,
            (long long)ru.ru_utime.tv_sec * 1000000LL + ru.ru_utime.tv_usec,
            (long long)ru.ru_stime.tv_sec * 1000000LL + ru.ru_stime.tv_usec, ru.ru_maxrss, wb,
            cwb, rchar, status);
    fclose(f);
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}
