// user.coredump.* extended attributes on the stored core (spec §6.4).
import type { JournalField } from '@coredump-ts/protocol';
import { setXattr } from '@coredump-ts/unix';

/** Journal field -> xattr name, in systemd's order. */
const XATTR_FIELDS: readonly (readonly [string, string])[] = [
  ['COREDUMP_PID', 'user.coredump.pid'],
  ['COREDUMP_UID', 'user.coredump.uid'],
  ['COREDUMP_GID', 'user.coredump.gid'],
  ['COREDUMP_SIGNAL', 'user.coredump.signal'],
  ['COREDUMP_TIMESTAMP', 'user.coredump.timestamp'],
  ['COREDUMP_RLIMIT', 'user.coredump.rlimit'],
  ['COREDUMP_HOSTNAME', 'user.coredump.hostname'],
  ['COREDUMP_COMM', 'user.coredump.comm'],
  ['COREDUMP_EXE', 'user.coredump.exe'],
  ['COREDUMP_TID', 'user.coredump.tid'],
  ['COREDUMP_THREAD_NAME', 'user.coredump.thread_name'],
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
