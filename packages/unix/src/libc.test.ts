import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { errnoMessage, groupName, strerror, userName } from './libc.js';

/** What getent(1) (NSS, like us) says, or undefined. */
function getent(db: 'passwd' | 'group', id: number): string | undefined {
  try {
    return execFileSync('getent', [db, String(id)], { encoding: 'utf8' }).split(':')[0];
  } catch {
    return undefined;
  }
}

describe('NSS names (getpwuid_r, getgrgid_r)', () => {
  it.for([0, 1, 65534, process.getuid?.() ?? 0, 4_000_000_000])('uid %i as getent says', (uid) => {
    expect(userName(uid)).toBe(getent('passwd', uid));
  });

  it.for([0, 1, 65534, process.getgid?.() ?? 0, 4_000_000_000])('gid %i as getent says', (gid) => {
    expect(groupName(gid)).toBe(getent('group', gid));
  });

  it.for([-1, 4294967295, 1.5])('refuses the id %d', (id) => {
    expect(() => userName(id)).toThrow();
    expect(() => groupName(id)).toThrow();
  });
});

describe('strerror', () => {
  it.for([
    ['ENOENT', 'No such file or directory'],
    [2, 'No such file or directory'],
    ['EISDIR', 'Is a directory'],
    ['EACCES', 'Permission denied'],
  ] as const)('%s is %s', ([errno, text]) => {
    expect(strerror(errno)).toBe(text);
  });

  it('knows no made-up name', () => {
    expect(strerror('EFROB')).toBeUndefined();
  });
});

describe('strerror of names that are not errnos', () => {
  it.for(['constructor', 'toString', '__proto__'])('%s is undefined', (name) => {
    expect(strerror(name)).toBeUndefined();
  });
});

describe('errnoMessage', () => {
  it("gives strerror's words for an error's errno name, else its message", () => {
    const enoent = Object.assign(new Error('open /x: ENOENT'), { code: 'ENOENT' });
    expect(errnoMessage(enoent)).toBe('No such file or directory');
    expect(errnoMessage(Object.assign(new Error('odd'), { code: 'ENOTANERRNO' }))).toBe('odd');
    expect(errnoMessage(new Error('plain'))).toBe('plain');
    expect(errnoMessage('text')).toBe('text');
  });
});
