/* flock(2), which Node lacks: the advisory whole-file lock that keeps the
 * flood-control state consistent between workers running at once. */
#include "addon.h"
#include "napi-util.h"

#include <errno.h>
#include <sys/file.h>

/* flock(fd, exclusive, nonblocking) -> true when taken, false on EWOULDBLOCK. */
napi_value cu_flock(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd = -1;
  bool exclusive = true, nonblocking = true;
  if (!cu_args(env, info, 3, argv) || !cu_get_int32(env, argv[0], "fd", &fd) ||
      !cu_get_bool(env, argv[1], "exclusive", &exclusive) ||
      !cu_get_bool(env, argv[2], "nonblocking", &nonblocking))
    return NULL;
  int op = (exclusive ? LOCK_EX : LOCK_SH) | (nonblocking ? LOCK_NB : 0);
  int r;
  do r = flock(fd, op);
  while (r < 0 && errno == EINTR);
  napi_value out = NULL;
  if (r < 0 && errno == EWOULDBLOCK) {
    NAPI_OK(env, napi_get_boolean(env, false, &out));
    return out;
  }
  if (r < 0) return cu_throw_errno(env, errno, "flock", NULL);
  NAPI_OK(env, napi_get_boolean(env, true, &out));
  return out;
}

napi_value cu_funlock(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd = -1;
  if (!cu_args(env, info, 1, argv) || !cu_get_int32(env, argv[0], "fd", &fd)) return NULL;
  if (flock(fd, LOCK_UN) < 0) return cu_throw_errno(env, errno, "flock", NULL);
  return cu_undefined(env);
}
