/* Byte-stream calls for the kernel coredump socket (core_pattern "@@"):
 * poll() with the revents (the handshake tells hang-up from data), FIONREAD,
 * one non-blocking recv() with or without MSG_PEEK, and the pump that feeds
 * already-read head bytes plus the rest of a stream into a pipe on the libuv
 * threadpool (splice(), falling back to read/write). */
#define _GNU_SOURCE
#include "addon.h"
#include "napi-util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* pollFd(fd, events, timeoutMs) -> revents (0 on timeout). EINTR restarts
 * with the remaining time. */
napi_value cu_poll_fd(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd = -1, events = 0, timeout = -1;
  if (!cu_args(env, info, 3, argv) || !cu_get_int32(env, argv[0], "fd", &fd) ||
      !cu_get_int32(env, argv[1], "events", &events) ||
      !cu_get_int32(env, argv[2], "timeoutMs", &timeout))
    return NULL;
  int64_t deadline = timeout < 0 ? -1 : cu_now_ms() + timeout;
  for (;;) {
    int wait = -1;
    if (deadline >= 0) {
      int64_t left = deadline - cu_now_ms();
      wait = left < 0 ? 0 : (left > 0x7fffffff ? 0x7fffffff : (int)left);
    }
    struct pollfd p = {.fd = fd, .events = (short)events};
    int r = poll(&p, 1, wait);
    if (r < 0) {
      if (errno == EINTR) continue;
      return cu_throw_errno(env, errno, "poll", NULL);
    }
    if (r > 0 && (p.revents & POLLNVAL)) return cu_throw_errno(env, EBADF, "poll", NULL);
    return cu_int(env, r == 0 ? 0 : p.revents);
  }
}

/* queuedBytes(fd) -> FIONREAD. */
napi_value cu_queued_bytes(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd = -1;
  if (!cu_args(env, info, 1, argv) || !cu_get_int32(env, argv[0], "fd", &fd)) return NULL;
  int n = 0;
  if (ioctl(fd, FIONREAD, &n) < 0) return cu_throw_errno(env, errno, "ioctl", NULL);
  return cu_int(env, n);
}

/* recvBytes(fd, length, peek) -> Buffer of what one non-blocking recv()
 * returned (empty at EOF); EAGAIN when nothing is queued. */
napi_value cu_recv_bytes(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd = -1, length = 0;
  bool peek = false;
  if (!cu_args(env, info, 3, argv) || !cu_get_int32(env, argv[0], "fd", &fd) ||
      !cu_get_int32(env, argv[1], "length", &length) || !cu_get_bool(env, argv[2], "peek", &peek))
    return NULL;
  if (length < 0 || length > (16 << 20)) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "length must be within 0..16 MiB");
    return NULL;
  }
  char *buf = malloc(length > 0 ? (size_t)length : 1);
  if (buf == NULL) return cu_throw_errno(env, ENOMEM, "malloc", NULL);
  ssize_t n;
  do {
    n = recv(fd, buf, (size_t)length, MSG_DONTWAIT | (peek ? MSG_PEEK : 0));
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    int err = errno;
    free(buf);
    return cu_throw_errno(env, err, "recv", NULL);
  }
  napi_value out = NULL;
  napi_status s = napi_create_buffer_copy(env, (size_t)n, buf, NULL, &out);
  free(buf);
  if (s != napi_ok) {
    cu_throw_napi_failure(env);
    return NULL;
  }
  return out;
}

/* ---- the pump ---------------------------------------------------------- */

typedef struct {
  int src, dst;
  char *head;
  size_t head_len;
  /* output */
  double bytes; /* head included */
  int err;
  const char *syscall;
  napi_async_work work;
  napi_deferred deferred;
} pump_t;

static bool write_all(pump_t *p, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = write(p->dst, data, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      p->err = errno;
      p->syscall = "write";
      return false;
    }
    data += n;
    len -= (size_t)n;
    p->bytes += (double)n;
  }
  return true;
}

#define PUMP_CHUNK (1 << 20)

static void pump_copy(pump_t *p) {
  char *buf = malloc(64 * 1024);
  if (buf == NULL) {
    p->err = ENOMEM;
    p->syscall = "malloc";
    return;
  }
  for (;;) {
    ssize_t n = read(p->src, buf, 64 * 1024);
    if (n < 0) {
      if (errno == EINTR) continue;
      p->err = errno;
      p->syscall = "read";
      break;
    }
    if (n == 0 || !write_all(p, buf, (size_t)n)) break;
  }
  free(buf);
}

static void pump_execute(napi_env env, void *data) {
  (void)env;
  pump_t *p = data;
  if (p->head_len > 0 && !write_all(p, p->head, p->head_len)) goto out;
  for (;;) {
    ssize_t n = splice(p->src, NULL, p->dst, NULL, PUMP_CHUNK, SPLICE_F_MOVE);
    if (n > 0) {
      p->bytes += (double)n;
      continue;
    }
    if (n == 0) break;
    if (errno == EINTR) continue;
    if (errno == EINVAL && p->bytes == (double)p->head_len) {
      pump_copy(p); /* the source cannot splice (and nothing was spliced yet) */
      break;
    }
    p->err = errno;
    p->syscall = "splice";
    break;
  }
out:
  /* EOF for the reader; the source is ours to close too: closing it is what
   * tells the kernel that the dump has been taken (COREDUMP_WAIT). */
  close(p->dst);
  close(p->src);
}

static void pump_complete(napi_env env, napi_status status, void *data) {
  pump_t *p = data;
  napi_value obj = NULL, v = NULL;
  if (status != napi_ok && p->err == 0) {
    p->err = ECANCELED;
    p->syscall = "splice";
  }
  if (napi_create_object(env, &obj) == napi_ok) {
    if (napi_create_double(env, p->bytes, &v) == napi_ok)
      napi_set_named_property(env, obj, "bytes", v);
    if (p->err != 0) {
      v = cu_errno_error(env, p->err, p->syscall, NULL);
      if (v != NULL) napi_set_named_property(env, obj, "error", v);
    }
    napi_resolve_deferred(env, p->deferred, obj);
  }
  napi_delete_async_work(env, p->work);
  free(p->head);
  free(p);
}

/* pumpStream(src, head: Buffer, dst) -> Promise<{ bytes, error? }>. Takes
 * ownership of both fds: they are closed when the source ends, the reader of
 * dst goes away (EPIPE), or an error stops the copy. */
napi_value cu_pump_stream(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t src = -1, dst = -1;
  if (!cu_args(env, info, 3, argv) || !cu_get_int32(env, argv[0], "src", &src) ||
      !cu_get_int32(env, argv[2], "dst", &dst))
    return NULL;
  bool is_buffer = false;
  void *data = NULL;
  size_t len = 0;
  if (napi_is_buffer(env, argv[1], &is_buffer) != napi_ok || !is_buffer)
    return cu_throw_type(env, "head must be a Buffer");
  NAPI_OK(env, napi_get_buffer_info(env, argv[1], &data, &len));
  pump_t *p = calloc(1, sizeof *p);
  if (p == NULL) return cu_throw_errno(env, ENOMEM, "malloc", NULL);
  p->src = src;
  p->dst = dst;
  p->head_len = len;
  p->head = malloc(len > 0 ? len : 1);
  if (p->head == NULL) {
    free(p);
    return cu_throw_errno(env, ENOMEM, "malloc", NULL);
  }
  if (len > 0) memcpy(p->head, data, len);
  napi_value promise = NULL, name = NULL;
  if (napi_create_promise(env, &p->deferred, &promise) != napi_ok ||
      napi_create_string_utf8(env, "coredump_unix.pump", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, NULL, name, pump_execute, pump_complete, p, &p->work) !=
          napi_ok ||
      napi_queue_async_work(env, p->work) != napi_ok) {
    free(p->head);
    free(p);
    cu_throw_napi_failure(env);
    return NULL;
  }
  return promise;
}
