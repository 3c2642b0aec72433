/* coredump_unix: the syscalls Node lacks for systemd-coredump's plumbing
 * (AF_UNIX seqpacket/dgram with SCM_RIGHTS, SO_PEERCRED, memfd seals, pipe
 * sizes, pidfds, O_TMPFILE, xattrs). Only node_api.h. The typed API is ./index.ts;
 * this file only registers the functions and a few constants. */
#include "addon.h"
#include "libc.h"
#include "napi-util.h"

#include <sys/socket.h>

typedef struct {
  const char *name;
  napi_callback fn;
} export_t;

static const export_t EXPORTS[] = {
    {"socket", cu_socket},
    {"socketpair", cu_socketpair},
    {"connect", cu_connect},
    {"bind", cu_bind},
    {"listen", cu_listen},
    {"sendmsg", cu_sendmsg},
    {"peerCred", cu_peer_cred},
    {"socketType", cu_socket_type},
    {"setBuffer", cu_set_buffer},
    {"setNonBlocking", cu_set_nonblocking},
    {"setCloexec", cu_set_cloexec},
    {"recvmsg", cu_recvmsg},
    {"recvmsgSync", cu_recvmsg_sync},
    {"accept", cu_accept},
    {"acceptSync", cu_accept_sync},
    {"memfdCreate", cu_memfd_create},
    {"sealMemfd", cu_seal_memfd},
    {"getSeals", cu_get_seals},
    {"setPipeSize", cu_set_pipe_size},
    {"getPipeSize", cu_get_pipe_size},
    {"pidfdOpen", cu_pidfd_open},
    {"openTmpfile", cu_open_tmpfile},
    {"linkTmpfile", cu_link_tmpfile},
    {"punchHole", cu_punch_hole},
    {"fsetxattr", cu_fsetxattr},
    {"setDumpable", cu_set_dumpable},
    {"getDumpable", cu_get_dumpable},
    {"pipe", cu_pipe},
    {"close", cu_close},
    /* fd readiness on the event loop (watch.c) */
    {"watchFd", cu_watch_fd},
    {"watchStart", cu_watch_start},
    {"watchStop", cu_watch_stop},
    {"watchClose", cu_watch_close},
    /* The kernel coredump socket (pidfd.c, stream.c). */
    {"peerPidfd", cu_peer_pidfd},
    {"pidfdGetInfo", cu_pidfd_get_info},
    {"prlimit", cu_prlimit},
    {"utsHostname", cu_uts_hostname},
    {"pollFd", cu_poll_fd},
    {"queuedBytes", cu_queued_bytes},
    {"recvBytes", cu_recv_bytes},
    {"recvFill", cu_recv_fill},
    {"userName", cu_user_name},
    {"groupName", cu_group_name},
    {"strerror", cu_strerror},
    /* spawn.c */
    {"spawnPiped", cu_spawn_piped},
    {"waitPid", cu_wait_pid},
    /* lock.c */
    {"flock", cu_flock},
    {"funlock", cu_funlock},
};

static const struct {
  const char *name;
  int value;
} CONSTANTS[] = {
    {"SOCK_STREAM", SOCK_STREAM},
    {"SOCK_DGRAM", SOCK_DGRAM},
    {"SOCK_SEQPACKET", SOCK_SEQPACKET},
};

NAPI_MODULE_INIT() {
  for (size_t i = 0; i < sizeof EXPORTS / sizeof EXPORTS[0]; i++) {
    napi_value fn = NULL;
    NAPI_OK(env, napi_create_function(env, EXPORTS[i].name, NAPI_AUTO_LENGTH, EXPORTS[i].fn,
                                      NULL, &fn));
    NAPI_OK(env, napi_set_named_property(env, exports, EXPORTS[i].name, fn));
  }
  napi_value constants = NULL;
  NAPI_OK(env, napi_create_object(env, &constants));
  for (size_t i = 0; i < sizeof CONSTANTS / sizeof CONSTANTS[0]; i++)
    NAPI_OK(env, napi_set_named_property(env, constants, CONSTANTS[i].name,
                                         cu_int(env, CONSTANTS[i].value)));
  NAPI_OK(env, napi_set_named_property(env, exports, "constants", constants));
  return exports;
}
