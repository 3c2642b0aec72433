/* File-descriptor calls Node lacks: memfd + seals, pipe size, pidfd, O_TMPFILE
 * + linkat, hole punching, fsetxattr, prctl(PR_SET_DUMPABLE), pipe2, close. */
#define _GNU_SOURCE
#include "addon.h"
#include "napi-util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

static bool get_fd(napi_env env, napi_callback_info info, size_t argc, napi_value *argv,
                   int32_t *fd) {
  return cu_args(env, info, argc, argv) && cu_get_int32(env, argv[0], "fd", fd);
}

napi_value cu_memfd_create(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  bool sealing = false;
  if (!cu_args(env, info, 2, argv) || !cu_get_bool(env, argv[1], "allowSealing", &sealing))
    return NULL;
  char *name = cu_get_string(env, argv[0], "name", NULL);
  if (name == NULL) return NULL;
  int fd = memfd_create(name, MFD_CLOEXEC | (sealing ? MFD_ALLOW_SEALING : 0U));
  int err = errno;
  free(name);
  if (fd < 0) return cu_throw_errno(env, err, "memfd_create", NULL);
  return cu_int(env, fd);
}

napi_value cu_seal_memfd(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd = -1;
  if (!get_fd(env, info, 1, argv, &fd)) return NULL;
  int seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL;
  if (fcntl(fd, F_ADD_SEALS, seals) < 0) return cu_throw_errno(env, errno, "fcntl", NULL);
  return cu_undefined(env);
}

/* fcntl(fd, cmd[, arg]) returning the int result: F_GET_SEALS, F_[GS]ETPIPE_SZ. */
static napi_value fcntl_int(napi_env env, napi_callback_info info, int cmd, bool has_arg) {
  napi_value argv[2];
  int32_t fd = -1, arg = 0;
  if (!get_fd(env, info, 2, argv, &fd)) return NULL;
  if (has_arg && !cu_get_int32(env, argv[1], "bytes", &arg)) return NULL;
  int r = has_arg ? fcntl(fd, cmd, arg) : fcntl(fd, cmd);
  if (r < 0) return cu_throw_errno(env, errno, "fcntl", NULL);
  return cu_int(env, r);
}

napi_value cu_get_seals(napi_env env, napi_callback_info info) {
  return fcntl_int(env, info, F_GET_SEALS, false);
}
napi_value cu_set_pipe_size(napi_env env, napi_callback_info info) {
  return fcntl_int(env, info, F_SETPIPE_SZ, true);
}
napi_value cu_get_pipe_size(napi_env env, napi_callback_info info) {
  return fcntl_int(env, info, F_GETPIPE_SZ, false);
}

napi_value cu_pidfd_open(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t pid = 0, flags = 0;
  if (!cu_args(env, info, 2, argv) || !cu_get_int32(env, argv[0], "pid", &pid) ||
      !cu_get_int32(env, argv[1], "flags", &flags))
    return NULL;
  long fd = syscall(SYS_pidfd_open, (pid_t)pid, (unsigned int)flags); /* always O_CLOEXEC */
  if (fd < 0) return cu_throw_errno(env, errno, "pidfd_open", NULL);
  return cu_int(env, fd);
}

napi_value cu_open_tmpfile(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t mode = 0;
  if (!cu_args(env, info, 2, argv) || !cu_get_int32(env, argv[1], "mode", &mode)) return NULL;
  char *dir = cu_get_string(env, argv[0], "dir", NULL);
  if (dir == NULL) return NULL;
  int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, (mode_t)mode);
  napi_value r = fd < 0 ? cu_throw_errno(env, errno, "open", dir) : cu_int(env, fd);
  free(dir);
  return r;
}

/* linkTmpfile(fd, target): linkat via /proc/self/fd so that no
 * CAP_DAC_READ_SEARCH is needed (AT_EMPTY_PATH would need it). */
napi_value cu_link_tmpfile(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd = -1;
  if (!get_fd(env, info, 2, argv, &fd)) return NULL;
  char *target = cu_get_string(env, argv[1], "target", NULL);
  if (target == NULL) return NULL;
  char proc[64];
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", (int)fd);
  napi_value r = linkat(AT_FDCWD, proc, AT_FDCWD, target, AT_SYMLINK_FOLLOW) < 0
                     ? cu_throw_errno(env, errno, "linkat", target)
                     : cu_undefined(env);
  free(target);
  return r;
}

napi_value cu_punch_hole(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd = -1;
  int64_t offset = 0, length = 0;
  if (!get_fd(env, info, 3, argv, &fd) || !cu_get_int64(env, argv[1], "offset", &offset) ||
      !cu_get_int64(env, argv[2], "length", &length))
    return NULL;
  if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length) < 0)
    return cu_throw_errno(env, errno, "fallocate", NULL);
  return cu_undefined(env);
}

/* fsetxattr(fd, name, value, len, 0): create or replace one attribute. */
napi_value cu_fsetxattr(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd = -1;
  if (!get_fd(env, info, 3, argv, &fd)) return NULL;
  bool is_buffer = false;
  if (napi_is_buffer(env, argv[2], &is_buffer) != napi_ok || !is_buffer) {
    napi_throw_type_error(env, NULL, "value must be a Buffer");
    return NULL;
  }
  void *data = NULL;
  size_t length = 0;
  if (napi_get_buffer_info(env, argv[2], &data, &length) != napi_ok) return NULL;
  char *name = cu_get_string(env, argv[1], "name", NULL);
  if (name == NULL) return NULL;
  napi_value r = fsetxattr(fd, name, data, length, 0) < 0
                     ? cu_throw_errno(env, errno, "fsetxattr", name)
                     : cu_undefined(env);
  free(name);
  return r;
}

napi_value cu_set_dumpable(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  bool on = false;
  if (!cu_args(env, info, 1, argv) || !cu_get_bool(env, argv[0], "on", &on)) return NULL;
  if (prctl(PR_SET_DUMPABLE, on ? 1 : 0, 0, 0, 0) < 0)
    return cu_throw_errno(env, errno, "prctl", NULL);
  return cu_undefined(env);
}

napi_value cu_get_dumpable(napi_env env, napi_callback_info info) {
  (void)info;
  int r = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
  if (r < 0) return cu_throw_errno(env, errno, "prctl", NULL);
  return cu_int(env, r);
}

napi_value cu_pipe(napi_env env, napi_callback_info info) {
  (void)info;
  int p[2];
  napi_value arr = NULL;
  if (pipe2(p, O_CLOEXEC) < 0) return cu_throw_errno(env, errno, "pipe2", NULL);
  if (napi_create_array_with_length(env, 2, &arr) != napi_ok ||
      napi_set_element(env, arr, 0, cu_int(env, p[0])) != napi_ok ||
      napi_set_element(env, arr, 1, cu_int(env, p[1])) != napi_ok) {
    close(p[0]);
    close(p[1]);
    cu_throw_napi_failure(env);
    return NULL;
  }
  return arr;
}

napi_value cu_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd = -1;
  if (!get_fd(env, info, 1, argv, &fd)) return NULL;
  /* Linux always releases the fd, even when close() reports EINTR: never retry. */
  if (close(fd) < 0 && errno != EINTR) return cu_throw_errno(env, errno, "close", NULL);
  return cu_undefined(env);
}
