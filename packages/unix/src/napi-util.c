/* Argument parsing and errno -> JS Error conversion for the addon. */
#define _GNU_SOURCE
#include "napi-util.h"

#include <errno.h>
#include <stdint.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void cu_throw_napi_failure(napi_env env) {
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending) return;
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  const char *msg = info != NULL && info->error_message != NULL ? info->error_message
                                                                 : "N-API call failed";
  napi_throw_error(env, "ERR_NAPI", msg);
}

static void set_prop(napi_env env, napi_value obj, const char *key, napi_value value) {
  if (value != NULL) napi_set_named_property(env, obj, key, value);
}

napi_value cu_errno_error(napi_env env, int err, const char *syscall, const char *path) {
  const char *name = strerrorname_np(err);
  char fallback[32];
  if (name == NULL) {
    snprintf(fallback, sizeof fallback, "E%d", err);
    name = fallback;
  }
  char msg[1024];
  if (path != NULL)
    snprintf(msg, sizeof msg, "%s %s %s: %s", syscall, name, path, strerror(err));
  else
    snprintf(msg, sizeof msg, "%s %s: %s", syscall, name, strerror(err));

  napi_value code = NULL, text = NULL, error = NULL, v = NULL;
  if (napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code) != napi_ok) return NULL;
  if (napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text) != napi_ok) return NULL;
  if (napi_create_error(env, code, text, &error) != napi_ok) return NULL;
  if (napi_create_int32(env, err, &v) == napi_ok) set_prop(env, error, "errno", v);
  if (napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &v) == napi_ok)
    set_prop(env, error, "syscall", v);
  if (path != NULL && napi_create_string_utf8(env, path, NAPI_AUTO_LENGTH, &v) == napi_ok)
    set_prop(env, error, "path", v);
  return error;
}

napi_value cu_throw_errno(napi_env env, int err, const char *syscall, const char *path) {
  napi_value error = cu_errno_error(env, err, syscall, path);
  if (error != NULL)
    napi_throw(env, error);
  else
    cu_throw_napi_failure(env);
  return NULL;
}

napi_value cu_throw_type(napi_env env, const char *message) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return NULL;
}

bool cu_args(napi_env env, napi_callback_info info, size_t max, napi_value *argv) {
  size_t argc = max;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) {
    cu_throw_napi_failure(env);
    return false;
  }
  return true; /* N-API fills missing slots with undefined */
}

bool cu_is_nullish(napi_env env, napi_value v) {
  napi_valuetype t = napi_undefined;
  if (v == NULL || napi_typeof(env, v, &t) != napi_ok) return true;
  return t == napi_undefined || t == napi_null;
}

static bool expect_type(napi_env env, napi_value v, napi_valuetype want, const char *what,
                        const char *type_name) {
  napi_valuetype t = napi_undefined;
  if (napi_typeof(env, v, &t) != napi_ok || t != want) {
    char msg[256];
    snprintf(msg, sizeof msg, "%s must be a %s", what, type_name);
    cu_throw_type(env, msg);
    return false;
  }
  return true;
}

/* napi_get_value_int32/int64 wrap or saturate out-of-range numbers and drop
 * fractions, so an fd of 2^32 + 3 would quietly become fd 3. Every integer
 * argument is read as a double and must be a whole number in range. */
static bool get_integer(napi_env env, napi_value v, const char *what, double lo, double hi,
                        double *out) {
  if (!expect_type(env, v, napi_number, what, "number")) return false;
  double d = 0;
  if (napi_get_value_double(env, v, &d) != napi_ok) return false;
  if (!(d >= lo && d <= hi) || d != (double)(int64_t)d) {
    char msg[160];
    snprintf(msg, sizeof msg, "%s must be a whole number from %.0f to %.0f", what, lo, hi);
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", msg);
    return false;
  }
  *out = d;
  return true;
}

bool cu_get_int32(napi_env env, napi_value v, const char *what, int32_t *out) {
  double d = 0;
  if (!get_integer(env, v, what, (double)INT32_MIN, (double)INT32_MAX, &d)) return false;
  *out = (int32_t)d;
  return true;
}

bool cu_get_int64(napi_env env, napi_value v, const char *what, int64_t *out) {
  /* Whole numbers a double holds exactly: +-(2^53 - 1). */
  double d = 0;
  if (!get_integer(env, v, what, -9007199254740991.0, 9007199254740991.0, &d)) return false;
  *out = (int64_t)d;
  return true;
}

bool cu_get_bool(napi_env env, napi_value v, const char *what, bool *out) {
  if (!expect_type(env, v, napi_boolean, what, "boolean")) return false;
  return napi_get_value_bool(env, v, out) == napi_ok;
}

char *cu_get_string(napi_env env, napi_value v, const char *what, size_t *len) {
  if (!expect_type(env, v, napi_string, what, "string")) return NULL;
  size_t n = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &n) != napi_ok) return NULL;
  char *s = malloc(n + 1);
  if (s == NULL) {
    cu_throw_errno(env, ENOMEM, "malloc", NULL);
    return NULL;
  }
  if (napi_get_value_string_utf8(env, v, s, n + 1, &n) != napi_ok) {
    free(s);
    return NULL;
  }
  if (len != NULL) *len = n;
  return s;
}

napi_value cu_int(napi_env env, int64_t n) {
  napi_value v = NULL;
  napi_create_int64(env, n, &v);
  return v;
}

napi_value cu_undefined(napi_env env) {
  napi_value v = NULL;
  napi_get_undefined(env, &v);
  return v;
}

int64_t cu_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until fd is readable (or hung up / in error: the next call reports it).
 * Returns 1 when ready, 0 on timeout, -1 with *err set. EINTR restarts with the
 * remaining time. */
int cu_poll_in(int fd, int timeout_ms, int *err) {
  int64_t deadline = timeout_ms < 0 ? -1 : cu_now_ms() + timeout_ms;
  for (;;) {
    int wait = -1;
    if (deadline >= 0) {
      int64_t left = deadline - cu_now_ms();
      wait = left < 0 ? 0 : (left > 0x7fffffff ? 0x7fffffff : (int)left);
    }
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r = poll(&p, 1, wait);
    if (r < 0) {
      if (errno == EINTR) continue;
      *err = errno;
      return -1;
    }
    if (r == 0) return 0;
    if (p.revents & POLLNVAL) {
      *err = EBADF;
      return -1;
    }
    return 1;
  }
}
