import { describe, expect, it } from 'vitest';
import { createNameDb, parseUid } from './users.js';

describe('createNameDb (uid_to_name/gid_to_name rules over an NSS lookup)', () => {
  const asked: number[] = [];
  const nss = {
    userName: (uid: number): string | undefined => (
      asked.push(uid),
      uid === 1000 ? 'alice' : undefined
    ),
    groupName: (gid: number): string | undefined => (gid === 1000 ? 'staff' : undefined),
  };

  it.for([
    [0, 'root', 'root'],
    [65534, 'nobody', 'nogroup'],
    [1000, 'alice', 'staff'],
    [4242, '4242', '4242'],
  ] as const)('%i -> %s / %s', ([id, user, group]) => {
    const db = createNameDb(nss, true);
    expect(db.user(id)).toBe(user);
    expect(db.group(id)).toBe(group);
  });

  it('asks NSS for 65534 when nobody is not synthesized', () => {
    expect(createNameDb(nss, false).user(65534)).toBe('65534');
  });

  it('asks NSS once per id', () => {
    const db = createNameDb(nss, true);
    asked.length = 0;
    db.user(1000);
    db.user(1000);
    expect(asked).toEqual([1000]);
  });
});

describe('parseUid', () => {
  it.for([
    ['0', 0],
    ['1000', 1000],
    ['4294967294', 4294967294],
    ['4294967295', undefined],
    ['65535', undefined],
    ['-1', undefined],
    [' 1', undefined],
  ] as const)('%j -> %j', ([text, want]) => {
    expect(parseUid(text)).toBe(want);
  });
});
