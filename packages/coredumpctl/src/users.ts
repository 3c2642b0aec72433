// uid/gid -> name from /etc/passwd and /etc/group, falling back to the number
// (systemd's uid_to_name()/gid_to_name()).
import { readFileSync } from 'node:fs';

export interface NameDb {
  user(uid: number): string;
  group(gid: number): string;
}

function readIds(path: string): Map<number, string> {
  const out = new Map<number, string>();
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    const [name, , id] = line.split(':');
    if (name === undefined || id === undefined || name === '' || name.startsWith('#')) continue;
    const n = Number(id);
    if (Number.isInteger(n) && !out.has(n)) out.set(n, name);
  }
  return out;
}

export function loadNameDb(etc = '/etc'): NameDb {
  let users: Map<number, string> | undefined;
  let groups: Map<number, string> | undefined;
  return {
    user(uid) {
      if (uid === 0) return 'root';
      users ??= readIds(`${etc}/passwd`);
      return users.get(uid) ?? String(uid);
    },
    group(gid) {
      if (gid === 0) return 'root';
      groups ??= readIds(`${etc}/group`);
      return groups.get(gid) ?? String(gid);
    },
  };
}

const DECIMAL = /^\d+$/;

/** systemd's parse_uid(): decimal, not -1 (0xffffffff) nor 0xffff. */
export function parseUid(text: string | undefined): number | undefined {
  if (text === undefined || !DECIMAL.test(text)) return undefined;
  const n = Number(text);
  if (n > 0xfffffffe || n === 0xffff) return undefined;
  return n;
}
