/* AF_UNIX socket calls that complete immediately: socket, socketpair,
 * connect, bind, listen, sendmsg, socket options and peer credentials. */
#define _GNU_SOURCE
#include "addon.h"
#include "napi-util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

/* "@name" is a Linux abstract address (no trailing NUL, length-delimited),
 * anything else a filesystem path. Returns 0 or an errno. */
static int make_addr(const char *path, size_t len, struct sockaddr_un *sa, socklen_t *salen) {
  memset(sa, 0, sizeof *sa);
  sa->sun_family = AF_UNIX;
  if (len == 0 || strlen(path) != len) return EINVAL; /* empty or embedded NUL */
  if (path[0] == '@') {
    if (len > sizeof sa->sun_path) return ENAMETOOLONG;
    memcpy(sa->sun_path + 1, path + 1, len - 1);
    *salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
    return 0;
  }
  if (len >= sizeof sa->sun_path) return ENAMETOOLONG;
  memcpy(sa->sun_path, path, len);
  *salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
  return 0;
}

napi_value cu_socket(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t type = 0;
  if (!cu_args(env, info, 1, argv) || !cu_get_int32(env, argv[0], "type", &type)) return NULL;
  int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return cu_throw_errno(env, errno, "socket", NULL);
  return cu_int(env, fd);
}

napi_value cu_socketpair(napi_env env, napi_callback_info info) {
  napi_value argv[1], arr = NULL;
  int32_t type = 0;
  int sv[2];
  if (!cu_args(env, info, 1, argv) || !cu_get_int32(env, argv[0], "type", &type)) return NULL;
  if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) < 0)
    return cu_throw_errno(env, errno, "socketpair", NULL);
  if (napi_create_array_with_length(env, 2, &arr) != napi_ok ||
      napi_set_element(env, arr, 0, cu_int(env, sv[0])) != napi_ok ||
      napi_set_element(env, arr, 1, cu_int(env, sv[1])) != napi_ok) {
    close(sv[0]);
    close(sv[1]);
    cu_throw_napi_failure(env);
    return NULL;
  }
  return arr;
}

typedef int (*addr_call)(int, const struct sockaddr *, socklen_t);

static napi_value with_addr(napi_env env, napi_callback_info info, addr_call call,
                            const char *name) {
  napi_value argv[2];
  int32_t fd = -1;
  size_t len = 0;
  if (!cu_args(env, info, 2, argv) || !cu_get_int32(env, argv[0], "fd", &fd)) return NULL;
  char *path = cu_get_string(env, argv[1], "path", &len);
  if (path == NULL) return NULL;
  struct sockaddr_un sa;
  socklen_t salen = 0;
  int err = make_addr(path, len, &sa, &salen);
  if (err == 0) {
    /* No EINTR retry: an interrupted connect() keeps going in the background. */
    if (call(fd, (const struct sockaddr *)&sa, salen) < 0) err = errno;
  }
  napi_value result = err == 0 ? cu_undefined(env) : cu_throw_errno(env, err, name, path);
  free(path);
  return result;
}

napi_value cu_connect(napi_env env, napi_callback_info info) {
  return with_addr(env, info, connect, "connect");
}

napi_value cu_bind(napi_env env, napi_callback_info info) {
  return with_addr(env, info, bind, "bind");
}

napi_value cu_listen(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd = -1, backlog = 16;
  if (!cu_args(env, info, 2, argv) || !cu_get_int32(env, argv[0], "fd", &fd) ||
      !cu_get_int32(env, argv[1], "backlog", &backlog))
    return NULL;
  if (listen(fd, backlog) < 0) return cu_throw_errno(env, errno, "listen", NULL);
  return cu_undefined(env);
}

/* sendmsg(fd, buffers: Uint8Array[], fds: number[], path: string | undefined,
 *         dontWait: boolean) -> bytes sent. MSG_NOSIGNAL always. */
napi_value cu_sendmsg(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  int32_t fd = -1;
  bool dont_wait = false, is_array = false;
  uint32_t niov = 0, nfds = 0;
  if (!cu_args(env, info, 5, argv) || !cu_get_int32(env, argv[0], "fd", &fd) ||
      !cu_get_bool(env, argv[4], "dontWait", &dont_wait))
    return NULL;
  NAPI_OK(env, napi_is_array(env, argv[1], &is_array));
  if (!is_array) return cu_throw_type(env, "data must be an array of Uint8Array");
  NAPI_OK(env, napi_get_array_length(env, argv[1], &niov));
  NAPI_OK(env, napi_is_array(env, argv[2], &is_array));
  if (!is_array) return cu_throw_type(env, "fds must be an array of numbers");
  NAPI_OK(env, napi_get_array_length(env, argv[2], &nfds));
  if (niov > IOV_MAX) return cu_throw_errno(env, EMSGSIZE, "sendmsg", NULL);
  if (nfds > 253) return cu_throw_errno(env, ETOOMANYREFS, "sendmsg", NULL); /* SCM_MAX_FD */

  struct iovec iov[niov > 0 ? niov : 1];
  for (uint32_t i = 0; i < niov; i++) {
    napi_value el;
    bool is_ta = false;
    napi_typedarray_type type;
    size_t length = 0, offset = 0;
    void *data = NULL;
    NAPI_OK(env, napi_get_element(env, argv[1], i, &el));
    NAPI_OK(env, napi_is_typedarray(env, el, &is_ta));
    if (!is_ta) return cu_throw_type(env, "data must be Uint8Array");
    NAPI_OK(env, napi_get_typedarray_info(env, el, &type, &length, &data, NULL, &offset));
    if (type != napi_uint8_array) return cu_throw_type(env, "data must be Uint8Array");
    iov[i].iov_base = data;
    iov[i].iov_len = length;
  }

  size_t cmsg_space = nfds > 0 ? CMSG_SPACE(sizeof(int) * nfds) : 0;
  char *control = cmsg_space > 0 ? calloc(1, cmsg_space) : NULL;
  if (cmsg_space > 0 && control == NULL) return cu_throw_errno(env, ENOMEM, "sendmsg", NULL);
  struct msghdr msg = {.msg_iov = iov, .msg_iovlen = niov};
  if (nfds > 0) {
    msg.msg_control = control;
    msg.msg_controllen = cmsg_space;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
    int *out = (int *)(void *)CMSG_DATA(c);
    for (uint32_t i = 0; i < nfds; i++) {
      napi_value el;
      int32_t v = -1;
      if (napi_get_element(env, argv[2], i, &el) != napi_ok ||
          !cu_get_int32(env, el, "fds[]", &v)) {
        free(control);
        return NULL;
      }
      memcpy(out + i, &v, sizeof v);
    }
  }

  struct sockaddr_un sa;
  socklen_t salen = 0;
  char *path = NULL;
  if (!cu_is_nullish(env, argv[3])) {
    size_t len = 0;
    path = cu_get_string(env, argv[3], "path", &len);
    if (path == NULL) {
      free(control);
      return NULL;
    }
    int err = make_addr(path, len, &sa, &salen);
    if (err != 0) {
      free(control);
      napi_value r = cu_throw_errno(env, err, "sendmsg", path);
      free(path);
      return r;
    }
    msg.msg_name = &sa;
    msg.msg_namelen = salen;
  }

  int flags = MSG_NOSIGNAL | (dont_wait ? MSG_DONTWAIT : 0);
  ssize_t n;
  do n = sendmsg(fd, &msg, flags);
  while (n < 0 && errno == EINTR);
  int err = errno;
  free(control);
  napi_value result = n < 0 ? cu_throw_errno(env, err, "sendmsg", path) : cu_int(env, n);
  free(path);
  return result;
}

napi_value cu_peer_cred(napi_env env, napi_callback_info info) {
  napi_value argv[1], obj = NULL;
  int32_t fd = -1;
  if (!cu_args(env, info, 1, argv) || !cu_get_int32(env, argv[0], "fd", &fd)) return NULL;
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
    return cu_throw_errno(env, errno, "getsockopt", NULL);
  NAPI_OK(env, napi_create_object(env, &obj));
  NAPI_OK(env, napi_set_named_property(env, obj, "pid", cu_int(env, cred.pid)));
  NAPI_OK(env, napi_set_named_property(env, obj, "uid", cu_int(env, cred.uid)));
  NAPI_OK(env, napi_set_named_property(env, obj, "gid", cu_int(env, cred.gid)));
  return obj;
}

/* SO_TYPE of an AF_UNIX socket; -1 for anything else (not a socket, other family). */
napi_value cu_socket_type(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd = -1;
  if (!cu_args(env, info, 1, argv) || !cu_get_int32(env, argv[0], "fd", &fd)) return NULL;
  int domain = 0, type = 0;
  socklen_t len = sizeof domain;
  if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0) {
    if (errno == ENOTSOCK) return cu_int(env, -1);
    return cu_throw_errno(env, errno, "getsockopt", NULL);
  }
  if (domain != AF_UNIX) return cu_int(env, -1);
  len = sizeof type;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
    return cu_throw_errno(env, errno, "getsockopt", NULL);
  return cu_int(env, type);
}

/* setBuffer(fd, bytes, recv: boolean): the *FORCE option (needs CAP_NET_ADMIN,
 * ignores rmem_max/wmem_max), falling back to the plain one. */
napi_value cu_set_buffer(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd = -1, bytes = 0;
  bool recv = false;
  if (!cu_args(env, info, 3, argv) || !cu_get_int32(env, argv[0], "fd", &fd) ||
      !cu_get_int32(env, argv[1], "bytes", &bytes) || !cu_get_bool(env, argv[2], "recv", &recv))
    return NULL;
  int force = recv ? SO_RCVBUFFORCE : SO_SNDBUFFORCE, plain = recv ? SO_RCVBUF : SO_SNDBUF;
  if (setsockopt(fd, SOL_SOCKET, force, &bytes, sizeof bytes) == 0) return cu_undefined(env);
  if (errno != EPERM) return cu_throw_errno(env, errno, "setsockopt", NULL);
  if (setsockopt(fd, SOL_SOCKET, plain, &bytes, sizeof bytes) < 0)
    return cu_throw_errno(env, errno, "setsockopt", NULL);
  return cu_undefined(env);
}

static napi_value fd_flag(napi_env env, napi_callback_info info, int get, int set, int flag,
                          const char *what) {
  napi_value argv[2];
  int32_t fd = -1;
  bool on = false;
  if (!cu_args(env, info, 2, argv) || !cu_get_int32(env, argv[0], "fd", &fd) ||
      !cu_get_bool(env, argv[1], what, &on))
    return NULL;
  int flags = fcntl(fd, get);
  if (flags < 0) return cu_throw_errno(env, errno, "fcntl", NULL);
  int next = on ? flags | flag : flags & ~flag;
  if (next != flags && fcntl(fd, set, next) < 0) return cu_throw_errno(env, errno, "fcntl", NULL);
  return cu_undefined(env);
}

napi_value cu_set_nonblocking(napi_env env, napi_callback_info info) {
  return fd_flag(env, info, F_GETFL, F_SETFL, O_NONBLOCK, "on");
}

napi_value cu_set_cloexec(napi_env env, napi_callback_info info) {
  return fd_flag(env, info, F_GETFD, F_SETFD, FD_CLOEXEC, "on");
}
