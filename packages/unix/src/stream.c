/* Byte-stream calls for the kernel coredump socket (core_pattern "@@"):
 * poll() with the revents (the handshake tells hang-up from data), FIONREAD,
 * one non-blocking recv() with or without MSG_PEEK, and the blocking
 * recv(MSG_WAITALL) the pipeline's synchronous loop reads the core with, straight
 * from the connection. */
#define _GNU_SOURCE
#include "addon.h"
#include "napi-util.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
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

/* recvFill(fd, buffer) -> bytes: one blocking recv(MSG_WAITALL) into the buffer,
 * whole unless the stream ends first (or a signal comes after some bytes). The core
 * stream's reads: a kernel connection hands over a page per socket buffer, and a
 * plain read() returns what is queued, ~130 KiB; this returns 1 MiB per call. */
napi_value cu_recv_fill(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd = -1;
  if (!cu_args(env, info, 2, argv) || !cu_get_int32(env, argv[0], "fd", &fd)) return NULL;
  bool is_buffer = false;
  void *data = NULL;
  size_t len = 0;
  if (napi_is_buffer(env, argv[1], &is_buffer) != napi_ok || !is_buffer)
    return cu_throw_type(env, "buffer must be a Buffer");
  NAPI_OK(env, napi_get_buffer_info(env, argv[1], &data, &len));
  ssize_t n;
  do {
    n = recv(fd, data, len, MSG_WAITALL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return cu_throw_errno(env, errno, "recv", NULL);
  return cu_int(env, (int32_t)n);
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
