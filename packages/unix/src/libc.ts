// libc lookups Node lacks (libc.c): user and group names through NSS, as
// systemd's uid_to_name()/gid_to_name() get them (so LDAP, SSSD, extrausers and
// DynamicUser= names resolve, not only /etc/passwd), and glibc's strerror().
import { constants } from 'node:os';
import { addon } from './addon.js';

/** The functions libc.c registers (addon.c's table). */
interface LibcAddon {
  userName(uid: number): string | undefined;
  groupName(gid: number): string | undefined;
  strerror(errno: number): string;
}

const libc = addon as unknown as LibcAddon;

/** getpwuid_r()'s name for `uid`; undefined when no NSS source knows it. */
export function userName(uid: number): string | undefined {
  return libc.userName(uid);
}

/** getgrgid_r()'s name for `gid`; undefined when no NSS source knows it. */
export function groupName(gid: number): string | undefined {
  return libc.groupName(gid);
}

/**
 * strerror(3) for an errno number or name ('ENOENT' -> "No such file or
 * directory"); undefined for a name this system does not have.
 */
export function strerror(errno: number | string): string | undefined {
  const names = constants.errno as Record<string, number>;
  const n =
    typeof errno === 'number' ? errno : Object.hasOwn(names, errno) ? names[errno] : undefined;
  return n === undefined ? undefined : libc.strerror(n);
}

/**
 * strerror's words for an error with an errno name in `code` (a SysError,
 * Node's fs errors: "No such file or directory"), else its message.
 */
export function errnoMessage(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  const text = typeof code === 'string' ? strerror(code) : undefined;
  return text ?? (error instanceof Error ? error.message : String(error));
}
