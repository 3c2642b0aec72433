// Drop to the crashing user (or the systemd-coredump system user for system
// uids) before anything talks to journald, so journald files the entry where
// that user can read it (spec §3.5, §9.2).
import { readFileSync } from 'node:fs';

export const COREDUMP_USER = 'systemd-coredump';
const SYSTEM_UID_MAX = 999;

export interface Ids {
  readonly uid: number;
  readonly gid: number;
}

/** uid and gid of `name` from passwd-format text; undefined if absent. */
export function lookupUser(passwd: string, name: string): Ids | undefined {
  for (const line of passwd.split('\n')) {
    const parts = line.split(':');
    if (parts[0] !== name || parts.length < 4) continue;
    const uid = Number(parts[2]);
    const gid = Number(parts[3]);
    if (Number.isInteger(uid) && Number.isInteger(gid)) return { uid, gid };
  }
  return undefined;
}

export type DropTarget =
  { readonly kind: 'user'; readonly ids: Ids } | { readonly kind: 'missing-coredump-user' };

/** Who to become: the crashing user, or systemd-coredump for uids <= 999 (root included). */
export function chooseDropTarget(crash: Ids, coredumpUser: Ids | undefined): DropTarget {
  if (crash.uid > SYSTEM_UID_MAX) return { kind: 'user', ids: crash };
  if (coredumpUser === undefined) return { kind: 'missing-coredump-user' };
  return { kind: 'user', ids: coredumpUser };
}

export function readCoredumpUser(passwdFile = '/etc/passwd'): Ids | undefined {
  try {
    return lookupUser(readFileSync(passwdFile, 'utf8'), COREDUMP_USER);
  } catch {
    return undefined;
  }
}

/**
 * setgroups([]), setgid, setuid: as root these set the real, effective and
 * saved ids, and leaving uid 0 clears every capability. glibc applies them to
 * all threads (libuv's pool, zstd's workers).
 */
export function dropTo(
  ids: Ids,
  proc: Pick<NodeJS.Process, 'setgroups' | 'setgid' | 'setuid'> = process,
): void {
  if (proc.setgroups === undefined || proc.setgid === undefined || proc.setuid === undefined) {
    throw new Error('this platform cannot change credentials');
  }
  proc.setgroups([]);
  proc.setgid(ids.gid);
  proc.setuid(ids.uid);
}
