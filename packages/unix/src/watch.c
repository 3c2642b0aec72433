/* Readiness of an fd on Node's own event loop (uv_poll): the coredumpd manager
 * learns that its listening socket has a connection waiting without a thread
 * blocked in accept(), and can stop watching (connections then wait in the
 * kernel's backlog) and start again at will.
 *
 *   watchFd(fd, callback(errno)) -> handle   (not yet started)
 *   watchStart(handle) / watchStop(handle) / watchClose(handle)
 *
 * The callback runs on the loop thread with 0, or a positive errno when
 * polling failed. While started, the handle keeps the event loop alive. */
#include "addon.h"
#include "napi-util.h"

#include <errno.h>
#include <stdlib.h>
#include <uv.h>

typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_async_context async;
  bool closing;   /* watchClose() or the finalizer called uv_close() */
  bool finalized; /* the JS handle is gone: free once uv is done too */
  bool uv_closed;
} watch_t;

static void release(watch_t *w) {
  if (w->callback != NULL) napi_delete_reference(w->env, w->callback);
  if (w->async != NULL) napi_async_destroy(w->env, w->async);
  w->callback = NULL;
  w->async = NULL;
}

static void on_closed(uv_handle_t *h) {
  watch_t *w = h->data;
  w->uv_closed = true;
  release(w);
  if (w->finalized) free(w);
}

static void close_watch(watch_t *w) {
  if (w->closing) return;
  w->closing = true;
  uv_poll_stop(&w->poll);
  uv_close((uv_handle_t *)&w->poll, on_closed);
}

static void finalize(napi_env env, void *data, void *hint) {
  watch_t *w = data;
  w->finalized = true;
  if (w->uv_closed) free(w);
  else close_watch(w);
}

static void on_poll(uv_poll_t *h, int status, int events) {
  watch_t *w = h->data;
  if (w->closing || w->callback == NULL) return;
  napi_env env = w->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value cb = NULL, recv = NULL, argv[1], result = NULL;
  if (napi_get_reference_value(env, w->callback, &cb) == napi_ok && cb != NULL &&
      napi_get_global(env, &recv) == napi_ok) {
    argv[0] = cu_int(env, status < 0 ? -status : 0);
    /* make_callback: runs the microtasks and nextTicks the callback queued. */
    if (napi_make_callback(env, w->async, recv, cb, 1, argv, &result) == napi_pending_exception) {
      napi_value exc = NULL;
      if (napi_get_and_clear_last_exception(env, &exc) == napi_ok) napi_fatal_exception(env, exc);
    }
  }
  napi_close_handle_scope(env, scope);
}

static watch_t *get_watch(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  void *data = NULL;
  if (!cu_args(env, info, 1, argv)) return NULL;
  if (napi_get_value_external(env, argv[0], &data) != napi_ok || data == NULL) {
    cu_throw_type(env, "not a watch handle");
    return NULL;
  }
  watch_t *w = data;
  if (w->closing) {
    cu_throw_errno(env, EBADF, "uv_poll", NULL);
    return NULL;
  }
  return w;
}

napi_value cu_watch_fd(napi_env env, napi_callback_info info) {
  napi_value argv[2], name = NULL, handle = NULL;
  int32_t fd = -1;
  napi_valuetype type;
  if (!cu_args(env, info, 2, argv) || !cu_get_int32(env, argv[0], "fd", &fd)) return NULL;
  NAPI_OK(env, napi_typeof(env, argv[1], &type));
  if (type != napi_function) return cu_throw_type(env, "callback must be a function");
  uv_loop_t *loop = NULL;
  NAPI_OK(env, napi_get_uv_event_loop(env, &loop));
  watch_t *w = calloc(1, sizeof *w);
  if (w == NULL) return cu_throw_errno(env, ENOMEM, "watchFd", NULL);
  int r = uv_poll_init(loop, &w->poll, fd);
  if (r < 0) {
    free(w);
    return cu_throw_errno(env, -r, "uv_poll_init", NULL);
  }
  w->poll.data = w;
  w->env = env;
  if (napi_create_string_utf8(env, "coredump_unix.watchFd", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_async_init(env, NULL, name, &w->async) != napi_ok ||
      napi_create_reference(env, argv[1], 1, &w->callback) != napi_ok ||
      napi_create_external(env, w, finalize, NULL, &handle) != napi_ok) {
    release(w);
    w->finalized = true; /* no JS handle exists: on_closed frees */
    close_watch(w);
    cu_throw_napi_failure(env);
    return NULL;
  }
  return handle;
}

napi_value cu_watch_start(napi_env env, napi_callback_info info) {
  watch_t *w = get_watch(env, info);
  if (w == NULL) return NULL;
  int r = uv_poll_start(&w->poll, UV_READABLE, on_poll);
  if (r < 0) return cu_throw_errno(env, -r, "uv_poll_start", NULL);
  return cu_undefined(env);
}

napi_value cu_watch_stop(napi_env env, napi_callback_info info) {
  watch_t *w = get_watch(env, info);
  if (w == NULL) return NULL;
  uv_poll_stop(&w->poll);
  return cu_undefined(env);
}

napi_value cu_watch_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  void *data = NULL;
  if (!cu_args(env, info, 1, argv)) return NULL;
  if (napi_get_value_external(env, argv[0], &data) != napi_ok || data == NULL)
    return cu_throw_type(env, "not a watch handle");
  close_watch(data);
  return cu_undefined(env);
}
