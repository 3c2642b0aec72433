import { describe, expect, it } from 'vitest';
import {
  cgroupPathFromProc,
  isValidUnitName,
  shiftCgroupPath,
  unitsFromCgroupPath,
} from './cgroup-unit.js';

describe('unitsFromCgroupPath', () => {
  it.for([
    {
      path: '/system.slice/foo.service',
      want: { unit: 'foo.service', slice: 'system.slice' },
    },
    {
      path: '/system.slice/system-getty.slice/getty@tty1.service',
      want: { unit: 'getty@tty1.service', slice: 'system-getty.slice' },
    },
    { path: '/init.scope', want: { unit: 'init.scope', slice: '-.slice' } },
    { path: '/', want: { slice: '-.slice' } },
    {
      path: '/user.slice/user-1000.slice/session-3.scope',
      want: { unit: 'session-3.scope', session: '3', ownerUid: '1000', slice: 'user-1000.slice' },
    },
    {
      path: '/user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-firefox-42.scope',
      want: {
        unit: 'user@1000.service',
        userUnit: 'app-gnome-firefox-42.scope',
        ownerUid: '1000',
        slice: 'user-1000.slice',
      },
    },
    {
      path: '/user.slice/user-1000.slice/user@1000.service/init.scope',
      want: {
        unit: 'user@1000.service',
        userUnit: 'init.scope',
        ownerUid: '1000',
        slice: 'user-1000.slice',
      },
    },
    {
      path: '/user.slice/user-1000.slice/session-c2.scope/sub/dir',
      want: { unit: 'session-c2.scope', session: 'c2', ownerUid: '1000', slice: 'user-1000.slice' },
    },
    {
      path: '/machine.slice/_cpu.service',
      want: { unit: 'cpu.service', slice: 'machine.slice' },
    },
    { path: '/docker/abc123', want: { slice: '-.slice' } },
    { path: '/system.slice/notaunit', want: { slice: 'system.slice' } },
    {
      path: '/user.slice/user-x.slice/foo.service',
      want: { unit: 'foo.service', slice: 'user-x.slice' },
    },
  ])('$path', ({ path, want }) => {
    expect(unitsFromCgroupPath(path)).toEqual(want);
  });
});

describe('isValidUnitName', () => {
  it.for([
    ['foo.service', true],
    ['foo@bar.service', true],
    ['foo@.service', false],
    ['@bar.service', false],
    ['foo.unknown', false],
    ['.service', false],
    ['a b.service', false],
  ] as const)('%s -> %s', ([name, valid]) => {
    expect(isValidUnitName(name)).toBe(valid);
  });
});

describe('cgroupPathFromProc and shiftCgroupPath', () => {
  it('prefers the name=systemd hierarchy, else the unified line', () => {
    expect(cgroupPathFromProc('9:name=systemd:/a.service\n4:memory:/x\n0::/b.service\n')).toBe(
      '/a.service',
    );
    expect(cgroupPathFromProc('0::/user.slice/x.scope\n')).toBe('/user.slice/x.scope');
    expect(cgroupPathFromProc('garbage\n')).toBeUndefined();
  });

  it("strips PID 1's root (minus /init.scope)", () => {
    expect(shiftCgroupPath('/payload/system.slice/a.service', '/payload/init.scope')).toBe(
      '/system.slice/a.service',
    );
    expect(shiftCgroupPath('/system.slice/a.service', '/init.scope')).toBe(
      '/system.slice/a.service',
    );
    expect(shiftCgroupPath('/other/a.service', '/payload/init.scope')).toBe('/other/a.service');
    expect(shiftCgroupPath('/x', undefined)).toBe('/x');
  });
});
