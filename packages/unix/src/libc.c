/* libc lookups Node lacks: user and group names through NSS (getpwuid_r(3),
 * getgrgid_r(3), so LDAP, SSSD, extrausers and systemd's DynamicUser= names
 * resolve as they do for systemd's uid_to_name()/gid_to_name()), and
 * strerror(3), glibc's text for an errno. */
#define _GNU_SOURCE
#include "libc.h"
#include "napi-util.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The getpw*_r buffer starts at sysconf()'s hint and doubles on ERANGE up to this. */
#define NSS_BUFFER_MAX (1024 * 1024)

static size_t nss_buffer_start(int name) {
  long hint = sysconf(name);
  return hint > 0 && hint < NSS_BUFFER_MAX ? (size_t)hint : 1024;
}

/* The uid/gid argument: an integer in 0..UINT32_MAX-1 (-1 is never a valid id). */
static bool get_id(napi_env env, napi_callback_info info, const char *what, uint32_t *out) {
  napi_value argv[1];
  int64_t id = 0;
  if (!cu_args(env, info, 1, argv) || !cu_get_int64(env, argv[0], what, &id)) return false;
  if (id < 0 || id >= (int64_t)UINT32_MAX) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "id must be 0..4294967294");
    return false;
  }
  *out = (uint32_t)id;
  return true;
}

/* The name, undefined when NSS knows no such id, or a thrown errno error. */
static napi_value name_result(napi_env env, int err, const char *name, const char *call) {
  napi_value result = NULL;
  if (err != 0 && err != ENOENT && err != ESRCH && err != EBADF && err != EPERM)
    return cu_throw_errno(env, err, call, NULL);
  if (err != 0 || name == NULL) {
    NAPI_OK(env, napi_get_undefined(env, &result));
    return result;
  }
  NAPI_OK(env, napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &result));
  return result;
}

/* A user's (getpwuid_r) or a group's (getgrgid_r) name, growing the buffer on ERANGE. */
static napi_value nss_name(napi_env env, uint32_t id, bool group) {
  const char *call = group ? "getgrgid_r" : "getpwuid_r";
  size_t size = nss_buffer_start(group ? _SC_GETGR_R_SIZE_MAX : _SC_GETPW_R_SIZE_MAX);
  for (;;) {
    char *buf = malloc(size);
    if (buf == NULL) return cu_throw_errno(env, ENOMEM, call, NULL);
    const char *name = NULL;
    int err;
    if (group) {
      struct group gr, *found = NULL;
      err = getgrgid_r((gid_t)id, &gr, buf, size, &found);
      if (found != NULL) name = found->gr_name;
    } else {
      struct passwd pw, *found = NULL;
      err = getpwuid_r((uid_t)id, &pw, buf, size, &found);
      if (found != NULL) name = found->pw_name;
    }
    if (err == ERANGE && size < NSS_BUFFER_MAX) {
      free(buf);
      size *= 2;
      continue;
    }
    napi_value result = name_result(env, err, name, call);
    free(buf);
    return result;
  }
}

/* userName(uid): getpwuid_r()'s pw_name, or undefined. */
napi_value cu_user_name(napi_env env, napi_callback_info info) {
  uint32_t uid = 0;
  return get_id(env, info, "uid", &uid) ? nss_name(env, uid, false) : NULL;
}

/* groupName(gid): getgrgid_r()'s gr_name, or undefined. */
napi_value cu_group_name(napi_env env, napi_callback_info info) {
  uint32_t gid = 0;
  return get_id(env, info, "gid", &gid) ? nss_name(env, gid, true) : NULL;
}

/* strerror(errno): glibc's text, e.g. "No such file or directory". */
napi_value cu_strerror(napi_env env, napi_callback_info info) {
  napi_value argv[1], result = NULL;
  int32_t err = 0;
  if (!cu_args(env, info, 1, argv) || !cu_get_int32(env, argv[0], "errno", &err)) return NULL;
  char buf[256];
  const char *text = strerror_r(err, buf, sizeof buf); /* the GNU variant returns the text */
  NAPI_OK(env, napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &result));
  return result;
}
