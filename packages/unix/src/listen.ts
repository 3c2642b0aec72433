// A listening AF_UNIX stream socket at a path, made the way systemd makes the
// coredumpd socket: any old file unlinked, bound under umask 0077 (mode 0700,
// root only), the largest backlog the kernel grants, non-blocking (for
// FdWatcher + acceptSync). The parent directory is created if missing.
import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';

import { close } from './fd.js';
import { bind, listen, setNonBlocking, socket } from './socket.js';

/** systemd's SOMAXCONN_DELUXE: the kernel caps it at net.core.somaxconn. */
export const SOMAXCONN_DELUXE = 0x7fffffff;

export function listenStream(path: string, backlog = SOMAXCONN_DELUXE): number {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  rmSync(path, { force: true });
  const fd = socket('stream');
  const umask = process.umask(0o077);
  try {
    bind(fd, path);
    listen(fd, backlog);
    setNonBlocking(fd, true);
    return fd;
  } catch (error) {
    close(fd);
    throw error;
  } finally {
    process.umask(umask);
  }
}
