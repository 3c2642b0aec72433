/* recvmsg and accept, each with an optional timeout, runnable either on the
 * calling thread or on the libuv threadpool (napi_async_work -> Promise). */
#define _GNU_SOURCE
#include "addon.h"
#include "napi-util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define COPY_LIMIT (64 * 1024)

typedef struct {
  /* input */
  int fd;
  int timeout_ms; /* -1: forever */
  int max_fds;
  bool is_accept;
  /* output */
  int err;
  const char *syscall;
  int accepted;
  char *data;
  size_t len;
  int *fds;
  int nfds;
  bool eof, truncated, ctruncated;
  /* async plumbing */
  napi_async_work work;
  napi_deferred deferred;
} job_t;

static int remaining(int64_t deadline) {
  if (deadline < 0) return -1;
  int64_t left = deadline - cu_now_ms();
  return left < 0 ? 0 : (left > 0x7fffffff ? 0x7fffffff : (int)left);
}

/* Wait (bounded by the deadline) until fd is readable. false with j->err set. */
static bool wait_readable(job_t *j, int64_t deadline) {
  int err = 0;
  int r = cu_poll_in(j->fd, remaining(deadline), &err);
  if (r > 0) return true;
  j->err = r == 0 ? ETIMEDOUT : err;
  j->syscall = r == 0 ? (j->is_accept ? "accept" : "recvmsg") : "poll";
  return false;
}

static void fail(job_t *j, const char *syscall) {
  j->err = errno;
  j->syscall = syscall;
}

static void run_accept(job_t *j) {
  int64_t deadline = j->timeout_ms < 0 ? -1 : cu_now_ms() + j->timeout_ms;
  for (;;) {
    if (!wait_readable(j, deadline)) return;
    int fd = accept4(j->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd >= 0) {
      /* accepted sockets are blocking, like socket() */
      int fl = fcntl(fd, F_GETFL);
      if (fl >= 0) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
      j->accepted = fd;
      return;
    }
    if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED) continue;
    fail(j, "accept");
    return;
  }
}

/* Size of the next message: the whole datagram (peeked with MSG_TRUNC) on
 * dgram/seqpacket, what is queued on a stream. -1 with errno on failure. */
static ssize_t next_size(int fd, int type) {
  if (type == SOCK_STREAM) {
    int avail = 0;
    if (ioctl(fd, FIONREAD, &avail) < 0) return -1;
    return avail > 0 ? avail : 4096;
  }
  char dummy;
  struct iovec iov = {.iov_base = &dummy, .iov_len = 0};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
  return recvmsg(fd, &msg, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
}

static void collect_fds(job_t *j, struct msghdr *msg) {
  for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    const int *in = (const int *)(void *)CMSG_DATA(c);
    for (size_t i = 0; i < n; i++) {
      int fd;
      memcpy(&fd, in + i, sizeof fd);
      if (j->nfds < j->max_fds) {
        j->fds[j->nfds++] = fd;
      } else {
        close(fd); /* the control buffer rounds up: never hand out more than asked */
        j->ctruncated = true;
      }
    }
  }
}

static void run_recv(job_t *j) {
  int64_t deadline = j->timeout_ms < 0 ? -1 : cu_now_ms() + j->timeout_ms;
  int type = 0;
  socklen_t tlen = sizeof type;
  if (getsockopt(j->fd, SOL_SOCKET, SO_TYPE, &type, &tlen) < 0) {
    fail(j, "getsockopt");
    return;
  }
  size_t cmsg_space = j->max_fds > 0 ? CMSG_SPACE(sizeof(int) * (size_t)j->max_fds) : 0;
  char *control = cmsg_space > 0 ? calloc(1, cmsg_space) : NULL;
  j->fds = calloc((size_t)(j->max_fds > 0 ? j->max_fds : 1), sizeof(int));
  if (j->fds == NULL || (cmsg_space > 0 && control == NULL)) {
    free(control);
    errno = ENOMEM;
    fail(j, "recvmsg");
    return;
  }
  for (;;) {
    if (!wait_readable(j, deadline)) break;
    ssize_t size = next_size(j->fd, type);
    if (size < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      fail(j, type == SOCK_STREAM ? "ioctl" : "recvmsg");
      break;
    }
    free(j->data);
    j->data = malloc(size > 0 ? (size_t)size : 1);
    if (j->data == NULL) {
      errno = ENOMEM;
      fail(j, "recvmsg");
      break;
    }
    struct iovec iov = {.iov_base = j->data, .iov_len = (size_t)size};
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = cmsg_space};
    ssize_t n = recvmsg(j->fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      fail(j, "recvmsg");
      break;
    }
    j->len = (size_t)n;
    if (msg.msg_controllen > 0) collect_fds(j, &msg);
    j->truncated = (msg.msg_flags & MSG_TRUNC) != 0;
    j->ctruncated = j->ctruncated || (msg.msg_flags & MSG_CTRUNC) != 0;
    j->eof = n == 0 && j->nfds == 0 && !j->ctruncated && type != SOCK_DGRAM;
    break;
  }
  free(control);
}

static void run_job(job_t *j) {
  if (j->is_accept)
    run_accept(j);
  else
    run_recv(j);
}

static void free_job(job_t *j) {
  if (j == NULL) return;
  free(j->data);
  free(j->fds);
  free(j);
}

static void free_external(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

/* Turn a finished job into the JS result (number for accept, RecvResult for
 * recvmsg) or an Error. Takes ownership of j->data. Returns false on a
 * JS-side failure. */
static bool job_result(napi_env env, job_t *j, napi_value *out, bool *is_error) {
  *is_error = j->err != 0;
  if (j->err != 0) {
    *out = cu_errno_error(env, j->err, j->syscall, NULL);
    return *out != NULL;
  }
  if (j->is_accept) {
    *out = cu_int(env, j->accepted);
    return true;
  }
  napi_value obj, buf, fds, v;
  if (j->len > COPY_LIMIT) {
    napi_status s = napi_create_external_buffer(env, j->len, j->data, free_external, NULL, &buf);
    if (s == napi_ok) j->data = NULL; /* now owned by the Buffer */
    else if (napi_create_buffer_copy(env, j->len, j->data, NULL, &buf) != napi_ok) return false;
  } else if (napi_create_buffer_copy(env, j->len, j->data != NULL ? j->data : "", NULL, &buf) !=
             napi_ok) {
    return false;
  }
  if (napi_create_object(env, &obj) != napi_ok || napi_create_array(env, &fds) != napi_ok)
    return false;
  for (int i = 0; i < j->nfds; i++)
    if (napi_set_element(env, fds, (uint32_t)i, cu_int(env, j->fds[i])) != napi_ok) return false;
  napi_set_named_property(env, obj, "data", buf);
  napi_set_named_property(env, obj, "fds", fds);
  napi_get_boolean(env, j->eof, &v);
  napi_set_named_property(env, obj, "eof", v);
  napi_get_boolean(env, j->truncated, &v);
  napi_set_named_property(env, obj, "truncated", v);
  napi_get_boolean(env, j->ctruncated, &v);
  napi_set_named_property(env, obj, "controlTruncated", v);
  *out = obj;
  return true;
}

/* args: (fd, timeoutMs: number (-1 forever), maxFds: number) for recvmsg,
 *       (fd, timeoutMs) for accept. */
static job_t *parse_job(napi_env env, napi_callback_info info, bool is_accept) {
  napi_value argv[3];
  int32_t fd = -1, timeout = -1, max_fds = 0;
  if (!cu_args(env, info, 3, argv) || !cu_get_int32(env, argv[0], "fd", &fd) ||
      !cu_get_int32(env, argv[1], "timeoutMs", &timeout))
    return NULL;
  if (!is_accept && !cu_get_int32(env, argv[2], "maxFds", &max_fds)) return NULL;
  if (max_fds < 0 || max_fds > 253) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "maxFds must be within 0..253");
    return NULL;
  }
  job_t *j = calloc(1, sizeof *j);
  if (j == NULL) {
    cu_throw_errno(env, ENOMEM, "malloc", NULL);
    return NULL;
  }
  j->fd = fd;
  j->timeout_ms = timeout < 0 ? -1 : timeout;
  j->max_fds = max_fds;
  j->is_accept = is_accept;
  j->accepted = -1;
  return j;
}

static napi_value run_sync(napi_env env, napi_callback_info info, bool is_accept) {
  job_t *j = parse_job(env, info, is_accept);
  if (j == NULL) return NULL;
  run_job(j);
  napi_value out = NULL;
  bool is_error = false;
  bool ok = job_result(env, j, &out, &is_error);
  free_job(j);
  if (!ok) {
    cu_throw_napi_failure(env);
    return NULL;
  }
  if (is_error) {
    napi_throw(env, out);
    return NULL;
  }
  return out;
}

static void async_execute(napi_env env, void *data) {
  (void)env;
  run_job(data);
}

static void async_complete(napi_env env, napi_status status, void *data) {
  job_t *j = data;
  napi_value out = NULL;
  bool is_error = false;
  if (status != napi_ok) {
    j->err = ECANCELED;
    j->syscall = j->is_accept ? "accept" : "recvmsg";
  }
  if (job_result(env, j, &out, &is_error)) {
    if (is_error)
      napi_reject_deferred(env, j->deferred, out);
    else
      napi_resolve_deferred(env, j->deferred, out);
  } else {
    napi_value msg = NULL, err = NULL;
    napi_create_string_utf8(env, "recvmsg: building the result failed", NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, NULL, msg, &err);
    napi_reject_deferred(env, j->deferred, err);
  }
  napi_delete_async_work(env, j->work);
  free_job(j);
}

static napi_value run_async(napi_env env, napi_callback_info info, bool is_accept) {
  job_t *j = parse_job(env, info, is_accept);
  if (j == NULL) return NULL;
  napi_value promise = NULL, name = NULL;
  if (napi_create_promise(env, &j->deferred, &promise) != napi_ok ||
      napi_create_string_utf8(env, is_accept ? "coredump_unix.accept" : "coredump_unix.recvmsg",
                              NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, NULL, name, async_execute, async_complete, j, &j->work) !=
          napi_ok ||
      napi_queue_async_work(env, j->work) != napi_ok) {
    free_job(j); /* the promise, if created, is simply never settled */
    cu_throw_napi_failure(env);
    return NULL;
  }
  return promise;
}

napi_value cu_recvmsg(napi_env env, napi_callback_info info) { return run_async(env, info, false); }
napi_value cu_recvmsg_sync(napi_env env, napi_callback_info info) {
  return run_sync(env, info, false);
}
napi_value cu_accept(napi_env env, napi_callback_info info) { return run_async(env, info, true); }
napi_value cu_accept_sync(napi_env env, napi_callback_info info) {
  return run_sync(env, info, true);
}
