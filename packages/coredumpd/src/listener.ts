// The listening socket the kernel connects to (core_pattern `@@path`): taken
// from the fd store when systemd (or a supervising collector) kept it across a
// restart, else created, and then handed to the fd store so that the next
// manager finds it. Connections that arrive while no manager runs wait in its
// backlog.
import { SOMAXCONN_DELUXE, listenFds, listenStream, socketType } from '@coredump-ts/unix';

export const KERNEL_SOCKET_PATH = '/run/systemd/coredumpd/kernel';
/** The fd store name systemd 262 gives the socket (FDNAME=). */
export const FDSTORE_NAME = 'coredump-socket';

export interface StoredListener {
  /** The adopted listening socket, if one was passed. */
  fd: number | undefined;
  /** Passed fds that are not it; the caller closes them. */
  others: number[];
}

/**
 * The listening socket among the fds passed with LISTEN_FDS (sd_listen_fds_with_names):
 * the one named FDSTORE_NAME, or the only fd when no names were given. It must be
 * an AF_UNIX SOCK_STREAM socket. Clears LISTEN_* from env.
 */
export function takeStoredListener(env: NodeJS.ProcessEnv): StoredListener {
  const names = env['LISTEN_FDNAMES']?.split(':');
  const fds = listenFds(env);
  let fd: number | undefined;
  fds.forEach((candidate, i) => {
    const named = names === undefined ? fds.length === 1 : names[i] === FDSTORE_NAME;
    if (fd === undefined && named && socketType(candidate) === 'stream') fd = candidate;
  });
  return { fd, others: fds.filter((f) => f !== fd) };
}

/** A fresh non-blocking listening socket at `path`, mode 0700 (bound under umask 0077). */
export function openListener(path: string): number {
  return listenStream(path, SOMAXCONN_DELUXE);
}
