/* coredump-ts-stack: the stack trace of an ELF core, as JSON on stdout.
 *
 *   coredump-ts-stack (--core PATH | --core-fd N) [--exe PATH]
 *                     [--as-limit BYTES] [--cpu-limit SECONDS] [--output-max BYTES]
 *                     [--uid N --gid N] [--debuginfo-path PATHS]
 *
 * It runs libdw (dlopen'ed) over memory the crashed program controlled, so
 * it runs as its own process: non-dumpable, with address-space and CPU
 * limits; its caller kills it at a deadline. Output (at most OUTPUT_MAX
 * bytes, or --output-max, one line): {"version":1,"architecture":..,"threads":[..],
 * "modules":[..],"truncated":..}; on failure {"version":1,"error":".."}
 * with a non-zero exit status (see EXIT_* below).
 *
 * --uid/--gid: started as root, it becomes that user (no supplementary groups)
 * before it opens anything; the worker starts it with posix_spawn, which cannot
 * change users. The pipeline's own worker has dropped already and passes none.
 *
 * --debuginfo-path: libdwfl's search path for separate debug info (its
 * Dwfl_Callbacks.debuginfo_path, ':'-separated; default ":.debug:/usr/lib/debug").
 * The worker puts its cache of decompressed debug files first. */
#define _GNU_SOURCE /* setresuid, setresgid */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stack.h"

#define OUTPUT_MAX (1024 * 1024)
#define OUTPUT_MIN 1024
/* The bytes around the modules and threads: keys, version, architecture. */
#define OUTPUT_FRAME_RESERVE 256
/* Address space beyond the mapped core: libdw's own memory and debug info. */
#define AS_HEADROOM (1024ULL * 1024 * 1024)
#define CPU_LIMIT_DEFAULT_SEC 30

enum {
  EXIT_OK = 0,
  EXIT_USAGE = 2,
  EXIT_NO_LIBDW = 3,
  EXIT_BAD_CORE = 4,
  EXIT_LIBDW_FAILED = 5,
  EXIT_NO_MEMORY = 6,
};

static void write_all(const char *data, size_t n) {
  while (n > 0) {
    ssize_t w = write(STDOUT_FILENO, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) _exit(EXIT_LIBDW_FAILED);
    data += w;
    n -= (size_t)w;
  }
}

static void fail(int status, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));

static void fail(int status, const char *fmt, ...) {
  char reason[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  Out o;
  out_init(&o, OUTPUT_MAX);
  out_lit(&o, "{\"version\":1,\"error\":");
  out_str(&o, reason);
  out_lit(&o, "}\n");
  write_all(o.data, o.len);
  _exit(status);
}

void fail_oom(void) { fail(EXIT_NO_MEMORY, "out of memory"); }

static const char *dwfl_error(void) { return sym_dwfl_errmsg(-1); }

static unsigned long long parse_number(const char *option, const char *text) {
  char *end;
  errno = 0;
  unsigned long long n = strtoull(text, &end, 10);
  if (errno || end == text || *end || text[0] == '-') fail(EXIT_USAGE, "%s: not a number: %s", option, text);
  return n;
}

typedef struct {
  const char *core_path;
  int core_fd;
  const char *exe;
  unsigned long long as_limit;
  unsigned long long cpu_limit;
  size_t output_max;
  long long uid; /* -1: stay who we are */
  long long gid;
  char *debuginfo_path; /* NULL: libdwfl's default */
} Options;

static Options parse_options(int argc, char **argv) {
  Options o = {.core_fd = -1, .cpu_limit = CPU_LIMIT_DEFAULT_SEC, .output_max = OUTPUT_MAX, .uid = -1, .gid = -1};
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (i + 1 >= argc) fail(EXIT_USAGE, "%s: missing value or unknown option", arg);
    const char *value = argv[++i];
    if (!strcmp(arg, "--core")) o.core_path = value;
    else if (!strcmp(arg, "--core-fd")) o.core_fd = (int)parse_number(arg, value);
    else if (!strcmp(arg, "--exe")) o.exe = value;
    else if (!strcmp(arg, "--as-limit")) o.as_limit = parse_number(arg, value);
    else if (!strcmp(arg, "--cpu-limit")) o.cpu_limit = parse_number(arg, value);
    else if (!strcmp(arg, "--output-max")) o.output_max = (size_t)parse_number(arg, value);
    else if (!strcmp(arg, "--uid")) o.uid = (long long)parse_number(arg, value);
    else if (!strcmp(arg, "--gid")) o.gid = (long long)parse_number(arg, value);
    else if (!strcmp(arg, "--debuginfo-path")) o.debuginfo_path = (char *)value;
    else fail(EXIT_USAGE, "unknown option %s", arg);
  }
  if ((o.uid < 0) != (o.gid < 0) || o.uid > 0xfffffffeLL || o.gid > 0xfffffffeLL)
    fail(EXIT_USAGE, "give both of --uid and --gid, each below 4294967295");
  if ((o.core_path != NULL) == (o.core_fd >= 0)) fail(EXIT_USAGE, "give exactly one of --core and --core-fd");
  if (o.output_max < OUTPUT_MIN || o.output_max > OUTPUT_MAX)
    fail(EXIT_USAGE, "--output-max: not between %d and %d", OUTPUT_MIN, OUTPUT_MAX);
  return o;
}

/* Group first (setgid needs root), then the user; a failure is fatal: never trace as root by mistake. */
static void become(const Options *o) {
  if (o->uid < 0) return;
  if (setgroups(0, NULL) < 0 || setresgid((gid_t)o->gid, (gid_t)o->gid, (gid_t)o->gid) < 0 ||
      setresuid((uid_t)o->uid, (uid_t)o->uid, (uid_t)o->uid) < 0)
    fail(EXIT_USAGE, "cannot become uid %lld gid %lld: %s", o->uid, o->gid, strerror(errno));
  /* A change of credentials makes the process dumpable again (suid_dumpable). */
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

static void set_limit(int resource, rlim_t value, const char *what) {
  struct rlimit limit = {value, value};
  if (resource == RLIMIT_CPU) limit.rlim_max = value + 1; /* SIGXCPU first, SIGKILL a second later */
  if (setrlimit(resource, &limit) < 0) fail(EXIT_USAGE, "setrlimit(%s): %s", what, strerror(errno));
}

static int open_core(const Options *o, off_t *size) {
  int fd = o->core_fd;
  if (o->core_path) {
    fd = open(o->core_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(EXIT_BAD_CORE, "cannot open %s: %s", o->core_path, strerror(errno));
  }
  struct stat st;
  if (fstat(fd, &st) < 0) fail(EXIT_BAD_CORE, "cannot stat the core: %s", strerror(errno));
  if (!S_ISREG(st.st_mode)) fail(EXIT_BAD_CORE, "the core is not a regular file");
  *size = st.st_size;
  return fd;
}

static void trace(StackContext *c, int fd, const Options *o) {
  sym_elf_version(EV_CURRENT);
  c->core = sym_elf_begin(fd, ELF_C_READ_MMAP, NULL);
  if (!c->core || sym_elf_kind(c->core) != ELF_K_ELF) fail(EXIT_BAD_CORE, "not an ELF file");
  GElf_Ehdr ehdr;
  if (!sym_gelf_getehdr(c->core, &ehdr)) fail(EXIT_BAD_CORE, "bad ELF header: %s", sym_elf_errmsg(-1));
  if (ehdr.e_type != ET_CORE) fail(EXIT_BAD_CORE, "not an ELF core file (e_type %u)", ehdr.e_type);

  /* libdwfl keeps pointers to both for the Dwfl's life. */
  static char *debuginfo_path;
  static Dwfl_Callbacks callbacks;
  debuginfo_path = o->debuginfo_path;
  callbacks = (Dwfl_Callbacks){
      .find_elf = sym_dwfl_build_id_find_elf,
      .find_debuginfo = sym_dwfl_standard_find_debuginfo,
      .section_address = sym_dwfl_offline_section_address,
      .debuginfo_path = debuginfo_path ? &debuginfo_path : NULL,
  };
  c->dwfl = sym_dwfl_begin(&callbacks);
  if (!c->dwfl) fail(EXIT_LIBDW_FAILED, "dwfl_begin: %s", dwfl_error());
  if (sym_dwfl_core_file_report(c->dwfl, c->core, o->exe) < 0)
    fail(EXIT_LIBDW_FAILED, "dwfl_core_file_report: %s", dwfl_error());
  if (sym_dwfl_report_end(c->dwfl, NULL, NULL) != 0) fail(EXIT_LIBDW_FAILED, "dwfl_report_end: %s", dwfl_error());
  if (sym_dwfl_getmodules(c->dwfl, module_callback, c, 0) < 0)
    fail(EXIT_LIBDW_FAILED, "dwfl_getmodules: %s", dwfl_error());
  if (sym_dwfl_core_file_attach(c->dwfl, c->core) < 0)
    fail(EXIT_LIBDW_FAILED, "dwfl_core_file_attach: %s", dwfl_error());
  c->threads.limit = o->output_max - OUTPUT_FRAME_RESERVE - c->modules.len;
  if (sym_dwfl_getthreads(c->dwfl, thread_callback, c) < 0)
    fail(EXIT_LIBDW_FAILED, "dwfl_getthreads: %s", dwfl_error());
}

int main(int argc, char **argv) {
  /* First: a crash in here must never come back as another core dump. */
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  set_limit(RLIMIT_CORE, 0, "RLIMIT_CORE");
  Options o = parse_options(argc, argv);
  become(&o);

  char why[512];
  if (dw_load(why, sizeof why) < 0) fail(EXIT_NO_LIBDW, "%s", why);
  if (o.cpu_limit) set_limit(RLIMIT_CPU, (rlim_t)o.cpu_limit, "RLIMIT_CPU");
  off_t size;
  int fd = open_core(&o, &size);
  /* libdw maps the whole core: the limit is counted from its size. */
  unsigned long long as = o.as_limit ? o.as_limit : (unsigned long long)size + AS_HEADROOM;
  set_limit(RLIMIT_AS, (rlim_t)as, "RLIMIT_AS");

  StackContext c = {0};
  out_init(&c.modules, o.output_max - OUTPUT_FRAME_RESERVE);
  out_init(&c.threads, 0);
  trace(&c, fd, &o);

  GElf_Ehdr ehdr;
  sym_gelf_getehdr(c.core, &ehdr);
  const char *architecture = sym_dwelf_elf_e_machine_string(ehdr.e_machine);
  Out json;
  out_init(&json, o.output_max);
  out_lit(&json, "{\"version\":1,\"architecture\":");
  if (architecture && strlen(architecture) < 128) out_str(&json, architecture);
  else out_lit(&json, "null");
  out_lit(&json, ",\"threads\":[");
  out_append(&json, &c.threads);
  out_lit(&json, "],\"modules\":[");
  out_append(&json, &c.modules);
  out_fmt(&json, "],\"truncated\":%s}\n", c.truncated ? "true" : "false");
  if (json.full) fail(EXIT_LIBDW_FAILED, "output over %zu bytes", o.output_max);
  write_all(json.data, json.len);
  return EXIT_OK;
}
