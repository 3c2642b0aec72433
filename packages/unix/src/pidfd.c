/* What the socket-mode worker learns about the crashing process from its
 * pidfd and the kernel: SO_PEERPIDFD, ioctl(PIDFD_GET_INFO), prlimit(), and
 * the hostname of the process's UTS namespace. The system headers may predate
 * these interfaces (Debian 12's do), so the UAPI values are spelled out here. */
#define _GNU_SOURCE
#include "addon.h"
#include "napi-util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

/* linux/pidfd.h, PIDFD_INFO_SIZE_VER3 (88 bytes). Kernels copy back only
 * what they know (min of both sizes) and say which parts are valid in mask. */
struct cu_pidfd_info {
  uint64_t mask;
  uint64_t cgroupid;
  uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
  int32_t exit_code;
  uint32_t coredump_mask;
  uint32_t coredump_signal;
  uint32_t coredump_code;
  uint32_t coredump_pad;
  uint64_t supported_mask;
};
_Static_assert(sizeof(struct cu_pidfd_info) == 88, "PIDFD_INFO_SIZE_VER3");

#define CU_PIDFS_IOCTL_MAGIC 0xFF
#define CU_PIDFD_GET_INFO _IOWR(CU_PIDFS_IOCTL_MAGIC, 11, struct cu_pidfd_info)

napi_value cu_peer_pidfd(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd = -1;
  if (!cu_args(env, info, 1, argv) || !cu_get_int32(env, argv[0], "fd", &fd)) return NULL;
  int pidfd = -1;
  socklen_t len = sizeof pidfd;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) < 0)
    return cu_throw_errno(env, errno, "getsockopt", NULL);
  /* The kernel installs it close-on-exec; make sure, as for every fd we hand out. */
  int fl = fcntl(pidfd, F_GETFD);
  if (fl >= 0 && !(fl & FD_CLOEXEC)) fcntl(pidfd, F_SETFD, fl | FD_CLOEXEC);
  return cu_int(env, pidfd);
}

static bool set_num(napi_env env, napi_value obj, const char *key, double v) {
  napi_value n = NULL;
  return napi_create_double(env, v, &n) == napi_ok &&
         napi_set_named_property(env, obj, key, n) == napi_ok;
}

static bool set_big(napi_env env, napi_value obj, const char *key, uint64_t v) {
  napi_value n = NULL;
  return napi_create_bigint_uint64(env, v, &n) == napi_ok &&
         napi_set_named_property(env, obj, key, n) == napi_ok;
}

/* pidfdGetInfo(pidfd, mask: number) -> the struct as an object; mask and
 * supportedMask as numbers (the defined bits fit easily), cgroupid a bigint. */
napi_value cu_pidfd_get_info(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd = -1;
  int64_t mask = 0;
  if (!cu_args(env, info, 2, argv) || !cu_get_int32(env, argv[0], "pidfd", &fd) ||
      !cu_get_int64(env, argv[1], "mask", &mask))
    return NULL;
  struct cu_pidfd_info pi;
  memset(&pi, 0, sizeof pi);
  pi.mask = (uint64_t)mask;
  if (ioctl(fd, CU_PIDFD_GET_INFO, &pi) < 0) return cu_throw_errno(env, errno, "ioctl", NULL);
  napi_value obj = NULL;
  NAPI_OK(env, napi_create_object(env, &obj));
  bool ok = set_num(env, obj, "mask", (double)pi.mask) &&
            set_big(env, obj, "cgroupid", pi.cgroupid) && set_num(env, obj, "pid", pi.pid) &&
            set_num(env, obj, "tgid", pi.tgid) && set_num(env, obj, "ppid", pi.ppid) &&
            set_num(env, obj, "ruid", pi.ruid) && set_num(env, obj, "rgid", pi.rgid) &&
            set_num(env, obj, "euid", pi.euid) && set_num(env, obj, "egid", pi.egid) &&
            set_num(env, obj, "suid", pi.suid) && set_num(env, obj, "sgid", pi.sgid) &&
            set_num(env, obj, "fsuid", pi.fsuid) && set_num(env, obj, "fsgid", pi.fsgid) &&
            set_num(env, obj, "exitCode", pi.exit_code) &&
            set_num(env, obj, "coredumpMask", pi.coredump_mask) &&
            set_num(env, obj, "coredumpSignal", pi.coredump_signal) &&
            set_num(env, obj, "coredumpCode", pi.coredump_code) &&
            set_num(env, obj, "supportedMask", (double)pi.supported_mask);
  if (!ok) {
    cu_throw_napi_failure(env);
    return NULL;
  }
  return obj;
}

/* prlimit(pid, resource) -> [cur, max] as bigints (RLIM_INFINITY = 2^64-1). */
napi_value cu_prlimit(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t pid = 0, resource = 0;
  if (!cu_args(env, info, 2, argv) || !cu_get_int32(env, argv[0], "pid", &pid) ||
      !cu_get_int32(env, argv[1], "resource", &resource))
    return NULL;
  struct rlimit rl;
  if (prlimit((pid_t)pid, (__rlimit_resource_t)resource, NULL, &rl) < 0)
    return cu_throw_errno(env, errno, "prlimit", NULL);
  napi_value arr = NULL, cur = NULL, max = NULL;
  NAPI_OK(env, napi_create_array_with_length(env, 2, &arr));
  NAPI_OK(env, napi_create_bigint_uint64(env, (uint64_t)rl.rlim_cur, &cur));
  NAPI_OK(env, napi_create_bigint_uint64(env, (uint64_t)rl.rlim_max, &max));
  NAPI_OK(env, napi_set_element(env, arr, 0, cur));
  NAPI_OK(env, napi_set_element(env, arr, 1, max));
  return arr;
}

/* The hostname as seen inside another UTS namespace. Namespaces belong to a
 * task, not to the process, so a short-lived thread joins the namespace with
 * setns(), reads uname() and ends: the rest of Node never changes namespace,
 * and no fork of the whole process is needed. */
typedef struct {
  int nsfd;
  int err;
  const char *syscall;
  char name[sizeof(((struct utsname *)0)->nodename)];
} uts_job_t;

static void *uts_thread(void *arg) {
  uts_job_t *j = arg;
  struct utsname u;
  if (setns(j->nsfd, CLONE_NEWUTS) < 0) {
    j->err = errno;
    j->syscall = "setns";
    return NULL;
  }
  if (uname(&u) < 0) {
    j->err = errno;
    j->syscall = "uname";
    return NULL;
  }
  snprintf(j->name, sizeof j->name, "%s", u.nodename);
  return NULL;
}

/* utsHostname(pid) -> string. Same namespace as ours: plain uname(). */
napi_value cu_uts_hostname(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t pid = 0;
  if (!cu_args(env, info, 1, argv) || !cu_get_int32(env, argv[0], "pid", &pid)) return NULL;
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/uts", (int)pid);
  uts_job_t j = {.nsfd = -1, .err = 0, .syscall = NULL, .name = ""};
  j.nsfd = open(path, O_RDONLY | O_CLOEXEC);
  if (j.nsfd < 0) return cu_throw_errno(env, errno, "open", path);
  struct stat theirs, ours;
  if (fstat(j.nsfd, &theirs) == 0 && stat("/proc/self/ns/uts", &ours) == 0 &&
      theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino) {
    uts_thread(&j);
  } else {
    pthread_t t;
    int r = pthread_create(&t, NULL, uts_thread, &j);
    if (r != 0) {
      j.err = r;
      j.syscall = "pthread_create";
    } else {
      pthread_join(t, NULL);
    }
  }
  close(j.nsfd);
  if (j.err != 0) return cu_throw_errno(env, j.err, j.syscall, NULL);
  napi_value s = NULL;
  NAPI_OK(env, napi_create_string_utf8(env, j.name, NAPI_AUTO_LENGTH, &s));
  return s;
}
