/* spawnPiped and waitPid: start a program with posix_spawn (glibc's is a
 * CLONE_VM|CLONE_VFORK child that only sets up fds and execs), its stdout and
 * stderr on pipes, and reap it once its pidfd says it exited (or polled, before
 * Linux 5.3).
 *
 * Why not child_process.spawn: libuv forks the whole worker (~55 MiB of page
 * tables copied) and then builds stream objects for each pipe; profiled on a
 * 1 MiB crash in socket mode that was 22-32 ms of the worker's CPU, every
 * crash, before the stack helper ran a single instruction.
 *
 * What the child gets: stdin /dev/null, stdout and stderr the write ends of
 * two fresh pipes, the given fds as 3, 4, ... in order, every signal at its
 * default disposition and none blocked, exactly the given environment. Other
 * fds of ours are O_CLOEXEC (Node and this addon open everything that way),
 * as with libuv's spawn. */
#define _GNU_SOURCE /* pipe2 */
#include "addon.h"
#include "napi-util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The most fds a child is given (3 .. 3+MAX_PASSED-1); the helper needs two. */
#define MAX_PASSED 16
#define MAX_STRINGS 4096

static void free_strings(char **v) {
  if (v == NULL) return;
  for (char **p = v; *p != NULL; p++) free(*p);
  free(v);
}

/* A JS array of strings as a NULL-terminated, malloc()ed vector; NULL on error (thrown). */
static char **get_strings(napi_env env, napi_value array, const char *what) {
  bool is_array = false;
  uint32_t n = 0;
  if (napi_is_array(env, array, &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, array, &n) != napi_ok || n > MAX_STRINGS) {
    cu_throw_type(env, what);
    return NULL;
  }
  char **v = calloc((size_t)n + 1, sizeof *v);
  if (v == NULL) {
    cu_throw_errno(env, ENOMEM, "spawn", NULL);
    return NULL;
  }
  for (uint32_t i = 0; i < n; i++) {
    napi_value item;
    if (napi_get_element(env, array, i, &item) != napi_ok) {
      free_strings(v);
      cu_throw_napi_failure(env);
      return NULL;
    }
    size_t len = 0;
    v[i] = cu_get_string(env, item, what, &len); /* throws when not a string */
    if (v[i] == NULL) {
      free_strings(v);
      return NULL;
    }
    if (strlen(v[i]) != len) { /* a NUL inside cannot be passed */
      free_strings(v);
      cu_throw_type(env, what);
      return NULL;
    }
  }
  return v;
}

static void close_all(int *fds, int n) {
  for (int i = 0; i < n; i++)
    if (fds[i] >= 0) close(fds[i]);
}

/* spawnPiped(path, argv, envp, fds) -> [pid, stdoutFd, stderrFd]; the read ends are O_CLOEXEC. */
napi_value cu_spawn_piped(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!cu_args(env, info, 4, argv)) return NULL;
  char *path = cu_get_string(env, argv[0], "path", NULL);
  if (path == NULL) return NULL;
  char **args = get_strings(env, argv[1], "argv must be an array of strings");
  char **envp = args == NULL ? NULL : get_strings(env, argv[2], "env must be an array of strings");
  int passed[MAX_PASSED];
  uint32_t n_passed = 0;
  bool ok = envp != NULL;
  if (ok) {
    bool is_array = false;
    ok = napi_is_array(env, argv[3], &is_array) == napi_ok && is_array &&
         napi_get_array_length(env, argv[3], &n_passed) == napi_ok && n_passed <= MAX_PASSED;
    if (!ok) cu_throw_type(env, "fds must be an array of at most 16 fds");
    for (uint32_t i = 0; ok && i < n_passed; i++) {
      napi_value item;
      int32_t fd = -1;
      ok = napi_get_element(env, argv[3], i, &item) == napi_ok &&
           cu_get_int32(env, item, "fd", &fd) && fd >= 0;
      if (ok) passed[i] = fd;
      else if (fd < 0) cu_throw_type(env, "fds must be non-negative");
    }
  }
  napi_value result = NULL;
  int out[2] = {-1, -1}, err[2] = {-1, -1};
  /* Each passed fd goes first to a copy above every target (3 .. 3+n-1), so no
   * dup2 onto a target can clobber an fd still to be passed; and dup2 from a
   * different fd clears O_CLOEXEC on the target, which dup2 onto itself would not. */
  int copies[MAX_PASSED];
  for (int i = 0; i < MAX_PASSED; i++) copies[i] = -1;
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  bool have_actions = false, have_attr = false;
  int e = 0;
  if (ok) {
    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
      e = errno;
      goto fail;
    }
    for (uint32_t i = 0; i < n_passed; i++) {
      copies[i] = fcntl(passed[i], F_DUPFD_CLOEXEC, 3 + (int)n_passed);
      if (copies[i] < 0) {
        e = errno;
        goto fail;
      }
    }
    if ((e = posix_spawn_file_actions_init(&actions)) != 0) goto fail;
    have_actions = true;
    if ((e = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)) != 0 ||
        (e = posix_spawn_file_actions_adddup2(&actions, out[1], 1)) != 0 ||
        (e = posix_spawn_file_actions_adddup2(&actions, err[1], 2)) != 0)
      goto fail;
    for (uint32_t i = 0; i < n_passed; i++)
      if ((e = posix_spawn_file_actions_adddup2(&actions, copies[i], 3 + (int)i)) != 0) goto fail;
    if ((e = posix_spawnattr_init(&attr)) != 0) goto fail;
    have_attr = true;
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    if ((e = posix_spawnattr_setsigmask(&attr, &none)) != 0 ||
        (e = posix_spawnattr_setsigdefault(&attr, &all)) != 0 ||
        (e = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)) != 0)
      goto fail;
    pid_t pid = 0;
    if ((e = posix_spawn(&pid, path, &actions, &attr, args, envp)) != 0) goto fail;
    close(out[1]);
    close(err[1]);
    out[1] = err[1] = -1;
    napi_value array;
    if (napi_create_array_with_length(env, 3, &array) == napi_ok &&
        napi_set_element(env, array, 0, cu_int(env, pid)) == napi_ok &&
        napi_set_element(env, array, 1, cu_int(env, out[0])) == napi_ok &&
        napi_set_element(env, array, 2, cu_int(env, err[0])) == napi_ok) {
      result = array;
      out[0] = err[0] = -1; /* the caller's now */
    } else {
      cu_throw_napi_failure(env); /* the child runs on; its pipes close below */
    }
  }
  goto done;
fail:
  cu_throw_errno(env, e, "posix_spawn", path);
done:
  if (have_actions) posix_spawn_file_actions_destroy(&actions);
  if (have_attr) posix_spawnattr_destroy(&attr);
  close_all(copies, MAX_PASSED);
  close_all(out, 2);
  close_all(err, 2);
  free_strings(envp);
  free_strings(args);
  free(path);
  return result;
}

/* waitPid(pid) -> undefined while the child runs, else [code, signal] (signal
 * 0 for a normal exit); reaps it. WNOHANG: call when its pidfd is readable, or
 * poll. By pid even with a pidfd: waitid(P_PIDFD) needs Linux 5.4, pidfd_open
 * 5.3, and an unreaped child's pid cannot be reused. */
napi_value cu_wait_pid(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t pid = 0;
  if (!cu_args(env, info, 1, argv) || !cu_get_int32(env, argv[0], "pid", &pid)) return NULL;
  if (pid <= 0) return cu_throw_type(env, "pid must be positive");
  siginfo_t si;
  memset(&si, 0, sizeof si);
  if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG) < 0)
    return cu_throw_errno(env, errno, "waitid", NULL);
  if (si.si_pid == 0) return cu_undefined(env);
  bool exited = si.si_code == CLD_EXITED;
  napi_value array;
  NAPI_OK(env, napi_create_array_with_length(env, 2, &array));
  NAPI_OK(env, napi_set_element(env, array, 0, cu_int(env, exited ? si.si_status : -1)));
  NAPI_OK(env, napi_set_element(env, array, 1, cu_int(env, exited ? 0 : si.si_status)));
  return array;
}
