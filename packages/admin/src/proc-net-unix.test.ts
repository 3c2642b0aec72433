import { describe, expect, it } from 'vitest';
import { isBoundIn, isListeningIn } from './proc-net-unix.js';

const TABLE = `Num       RefCount Protocol Flags    Type St Inode Path
ffff8880: 00000002 00000000 00010000 0005 01 31337 /run/systemd/coredump
ffff8881: 00000002 00000000 00000000 0002 01 31338 /run/stale sock
ffff8882: 00000003 00000000 00000000 0001 03 31339
ffff8883: 00000002 00000000 00010000 0001 01 31340 /run/with space
`;

describe('isListeningIn', () => {
  it.for([
    ['/run/systemd/coredump', true],
    ['/run/stale sock', false],
    ['/run/with space', true],
    ['/run/systemd/coredum', false],
    ['/nowhere', false],
  ] as const)('%s -> %s', ([path, listening]) => {
    expect(isListeningIn(TABLE, path)).toBe(listening);
  });
});

describe('isBoundIn', () => {
  it.for([
    ['/run/systemd/coredump', true],
    ['/run/stale sock', true],
    ['/run/with space', true],
    ['/run/systemd/journal/socket', false],
  ] as const)('%s -> %s', ([path, bound]) => {
    expect(isBoundIn(TABLE, path)).toBe(bound);
  });
});
