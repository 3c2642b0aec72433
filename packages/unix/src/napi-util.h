/* Small helpers shared by the addon's C files: argument parsing and
 * errno -> JS Error conversion. Only node_api.h, nothing else native. */
#ifndef COREDUMP_UNIX_NAPI_UTIL_H
#define COREDUMP_UNIX_NAPI_UTIL_H

#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>

/* Bail out of a napi_callback when a napi_* call fails; the failed call has
 * already left a pending exception or we throw a generic one. */
#define NAPI_OK(env, call)                                                  \
  do {                                                                      \
    if ((call) != napi_ok) {                                                \
      cu_throw_napi_failure((env));                                         \
      return NULL;                                                          \
    }                                                                       \
  } while (0)

void cu_throw_napi_failure(napi_env env);

/* Build an Error { code: 'EFOO', errno, syscall[, path] }. */
napi_value cu_errno_error(napi_env env, int err, const char *syscall, const char *path);
/* Throw it; always returns NULL so callers can `return cu_throw_errno(...)`. */
napi_value cu_throw_errno(napi_env env, int err, const char *syscall, const char *path);
/* A TypeError with code ERR_INVALID_ARG_TYPE. */
napi_value cu_throw_type(napi_env env, const char *message);

/* Fetch up to `max` arguments; missing ones are `undefined`. */
bool cu_args(napi_env env, napi_callback_info info, size_t max, napi_value *argv);

bool cu_is_nullish(napi_env env, napi_value v);
bool cu_get_int32(napi_env env, napi_value v, const char *what, int32_t *out);
bool cu_get_int64(napi_env env, napi_value v, const char *what, int64_t *out);
bool cu_get_bool(napi_env env, napi_value v, const char *what, bool *out);
/* malloc()ed, NUL-terminated; caller frees. *len gets the byte length. */
char *cu_get_string(napi_env env, napi_value v, const char *what, size_t *len);

napi_value cu_int(napi_env env, int64_t n);
napi_value cu_undefined(napi_env env);

/* Deadline helpers for poll(): -1 means wait forever. */
int64_t cu_now_ms(void);
int cu_poll_in(int fd, int timeout_ms, int *err);

#endif
