/*
 * crash-on-cue <MiB> touch|random: like test/fixtures/crashers/alloc.c (maps
 * <MiB> of anonymous memory, touch: one non-zero byte per page; random:
 * xorshift bytes), then raises RLIMIT_CORE to unlimited, prints "pid=N" and
 * waits for one byte on stdin before writing through NULL (SIGSEGV). The wait
 * lets the bench take its start time just before the crash, after the fill,
 * and fire many crashers at once.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 3 || (strcmp(argv[2], "touch") != 0 && strcmp(argv[2], "random") != 0)) {
    fprintf(stderr, "usage: crash-on-cue <MiB> touch|random\n");
    return 2;
  }
  size_t size = (size_t)strtoull(argv[1], NULL, 10) << 20;
  uint8_t *mem = mmap(NULL, size ? size : 1, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) {
    perror("mmap");
    return 2;
  }
  long page = sysconf(_SC_PAGESIZE);
  if (strcmp(argv[2], "touch") == 0) {
    for (size_t i = 0; i < size; i += (size_t)page) mem[i] = 1;
  } else {
    uint64_t x = 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid();
    for (size_t i = 0; i + 8 <= size; i += 8) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      memcpy(mem + i, &x, 8);
    }
  }
  struct rlimit unlimited = {RLIM_INFINITY, RLIM_INFINITY};
  setrlimit(RLIMIT_CORE, &unlimited);
  printf("pid=%d\n", (int)getpid());
  fflush(stdout);
  char cue;
  if (read(0, &cue, 1) != 1) return 3;
  volatile int *p = NULL;
  *p = 42;
  return 0;
}
