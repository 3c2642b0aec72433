import { describe, expect, it } from 'vitest';

import { chooseDropTarget, dropTo, lookupUser } from './privileges.js';

const PASSWD =
  'root:x:0:0:root:/root:/bin/bash\nsystemd-coredump:x:995:995:systemd Core Dumper:/:/usr/sbin/nologin\n';

describe('privileges', () => {
  it('finds the coredump user', () => {
    expect(lookupUser(PASSWD, 'systemd-coredump')).toEqual({ uid: 995, gid: 995 });
    expect(lookupUser(PASSWD, 'nobody')).toBeUndefined();
  });
  it.for([
    [1000, { kind: 'user', ids: { uid: 1000, gid: 1000 } }],
    [999, { kind: 'user', ids: { uid: 995, gid: 995 } }],
    [0, { kind: 'user', ids: { uid: 995, gid: 995 } }],
  ] as const)('uid %i drops to %j', ([uid, want]) => {
    expect(chooseDropTarget({ uid, gid: uid }, { uid: 995, gid: 995 })).toEqual(want);
  });
  it('system uid without the coredump user stays root', () => {
    expect(chooseDropTarget({ uid: 0, gid: 0 }, undefined)).toEqual({
      kind: 'missing-coredump-user',
    });
  });
  it('drops groups, then gid, then uid', () => {
    const calls: string[] = [];
    dropTo(
      { uid: 7, gid: 8 },
      {
        setgroups: (g: readonly (string | number)[]) => void calls.push(`groups:${g.join(',')}`),
        setgid: (g: string | number) => void calls.push(`gid:${String(g)}`),
        setuid: (u: string | number) => void calls.push(`uid:${String(u)}`),
      },
    );
    expect(calls).toEqual(['groups:', 'gid:8', 'uid:7']);
  });
});
