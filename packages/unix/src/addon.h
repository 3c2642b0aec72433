/* The functions the addon exports, one napi_callback each (see addon.c). */
#ifndef COREDUMP_UNIX_ADDON_H
#define COREDUMP_UNIX_ADDON_H

#include <node_api.h>

napi_value cu_socket(napi_env env, napi_callback_info info);
napi_value cu_socketpair(napi_env env, napi_callback_info info);
napi_value cu_connect(napi_env env, napi_callback_info info);
napi_value cu_bind(napi_env env, napi_callback_info info);
napi_value cu_listen(napi_env env, napi_callback_info info);
napi_value cu_sendmsg(napi_env env, napi_callback_info info);
napi_value cu_peer_cred(napi_env env, napi_callback_info info);
napi_value cu_socket_type(napi_env env, napi_callback_info info);
napi_value cu_set_buffer(napi_env env, napi_callback_info info);
napi_value cu_set_nonblocking(napi_env env, napi_callback_info info);
napi_value cu_set_cloexec(napi_env env, napi_callback_info info);

napi_value cu_recvmsg(napi_env env, napi_callback_info info);
napi_value cu_recvmsg_sync(napi_env env, napi_callback_info info);
napi_value cu_accept(napi_env env, napi_callback_info info);
napi_value cu_accept_sync(napi_env env, napi_callback_info info);

napi_value cu_memfd_create(napi_env env, napi_callback_info info);
napi_value cu_seal_memfd(napi_env env, napi_callback_info info);
napi_value cu_get_seals(napi_env env, napi_callback_info info);
napi_value cu_set_pipe_size(napi_env env, napi_callback_info info);
napi_value cu_get_pipe_size(napi_env env, napi_callback_info info);
napi_value cu_pidfd_open(napi_env env, napi_callback_info info);
napi_value cu_open_tmpfile(napi_env env, napi_callback_info info);
napi_value cu_link_tmpfile(napi_env env, napi_callback_info info);
napi_value cu_punch_hole(napi_env env, napi_callback_info info);
napi_value cu_fsetxattr(napi_env env, napi_callback_info info);
napi_value cu_set_dumpable(napi_env env, napi_callback_info info);
napi_value cu_get_dumpable(napi_env env, napi_callback_info info);
napi_value cu_pipe(napi_env env, napi_callback_info info);
napi_value cu_close(napi_env env, napi_callback_info info);
/* spawn.c */
napi_value cu_spawn_piped(napi_env env, napi_callback_info info);
napi_value cu_wait_pid(napi_env env, napi_callback_info info);
/* lock.c */
napi_value cu_flock(napi_env env, napi_callback_info info);
napi_value cu_funlock(napi_env env, napi_callback_info info);

/* watch.c */
napi_value cu_watch_fd(napi_env env, napi_callback_info info);
napi_value cu_watch_start(napi_env env, napi_callback_info info);
napi_value cu_watch_stop(napi_env env, napi_callback_info info);
napi_value cu_watch_close(napi_env env, napi_callback_info info);

/* The kernel coredump socket: pidfd.c, stream.c */
napi_value cu_peer_pidfd(napi_env env, napi_callback_info info);
napi_value cu_pidfd_get_info(napi_env env, napi_callback_info info);
napi_value cu_prlimit(napi_env env, napi_callback_info info);
napi_value cu_uts_hostname(napi_env env, napi_callback_info info);
napi_value cu_poll_fd(napi_env env, napi_callback_info info);
napi_value cu_queued_bytes(napi_env env, napi_callback_info info);
napi_value cu_recv_bytes(napi_env env, napi_callback_info info);
napi_value cu_recv_fill(napi_env env, napi_callback_info info);

#endif
