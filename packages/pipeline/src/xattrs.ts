// user.coredump.* extended attributes on the stored core (spec §6.4).
import { FIELD, type JournalField } from '@coredump-ts/protocol';
import { setXattr } from '@coredump-ts/unix';

/** The xattr names systemd sets on a stored core (spec §6.4). */
export const XATTR = {
  PID: 'user.coredump.pid',
  UID: 'user.coredump.uid',
  GID: 'user.coredump.gid',
  SIGNAL: 'user.coredump.signal',
  TIMESTAMP: 'user.coredump.timestamp',
  RLIMIT: 'user.coredump.rlimit',
  HOSTNAME: 'user.coredump.hostname',
  COMM: 'user.coredump.comm',
  EXE: 'user.coredump.exe',
  TID: 'user.coredump.tid',
  THREAD_NAME: 'user.coredump.thread_name',
} as const;

/** Journal field -> xattr name, in systemd's order. */
const XATTR_FIELDS: readonly (readonly [string, string])[] = [
  [FIELD.PID, XATTR.PID],
  [FIELD.UID, XATTR.UID],
  [FIELD.GID, XATTR.GID],
  [FIELD.SIGNAL, XATTR.SIGNAL],
  [FIELD.TIMESTAMP, XATTR.TIMESTAMP],
  [FIELD.RLIMIT, XATTR.RLIMIT],
  [FIELD.HOSTNAME, XATTR.HOSTNAME],
  [FIELD.COMM, XATTR.COMM],
  [FIELD.EXE, XATTR.EXE],
  [FIELD.TID, XATTR.TID],
  [FIELD.THREAD_NAME, XATTR.THREAD_NAME],
];

/**
 * The attributes to set: the values exactly as received (they are what
 * systemd formats), skipping absent and empty ones and any containing NUL.
 */
export function buildXattrs(fields: readonly JournalField[]): [string, Buffer][] {
  const out: [string, Buffer][] = [];
  for (const [fieldName, attr] of XATTR_FIELDS) {
    const f = fields.find((x) => x.name === fieldName);
    if (f === undefined || f.value.length === 0 || f.value.includes(0)) continue;
    out.push([attr, f.value]);
  }
  return out;
}

/** Set every attribute; failures are collected, not thrown (systemd ignores them). */
export function applyXattrs(fd: number, attrs: readonly (readonly [string, Buffer])[]): Error[] {
  const errors: Error[] = [];
  for (const [name, value] of attrs) {
    try {
      setXattr(fd, name, value);
    } catch (error) {
      errors.push(error as Error);
    }
  }
  return errors;
}
