import { describe, expect, it } from 'vitest';

import { checkElfHeader, decideUserAccess, isRegularUserUid, parseAuxvIds } from './access.js';

const elfHead = (cls = 2, data = 1, version = 1): Buffer =>
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, cls, data, version, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

function auxv64(pairs: [number, number][]): Buffer {
  const b = Buffer.alloc((pairs.length + 1) * 16);
  pairs.forEach(([k, v], i) => {
    b.writeBigUInt64LE(BigInt(k), i * 16);
    b.writeBigUInt64LE(BigInt(v), i * 16 + 8);
  });
  return b; // trailing AT_NULL pair is zeros
}
function auxv32(pairs: [number, number][]): Buffer {
  const b = Buffer.alloc((pairs.length + 1) * 8);
  pairs.forEach(([k, v], i) => {
    b.writeUInt32LE(k, i * 8);
    b.writeUInt32LE(v, i * 8 + 4);
  });
  return b;
}
const ids = (
  uid: number,
  euid: number,
  gid: number,
  egid: number,
  secure: number,
): [number, number][] => [
  [6, 4096], // AT_PAGESZ, ignored
  [11, uid],
  [12, euid],
  [13, gid],
  [14, egid],
  [23, secure],
];

describe('decideUserAccess', () => {
  const ok = {
    dumpable: 1,
    uid: 1000,
    auxv: auxv64(ids(1000, 1000, 1000, 1000, 0)),
    coreHead: elfHead(),
  };

  it('grants a plain user process', () => {
    const d = decideUserAccess(ok);
    expect(d.grant).toBe(true);
    expect(d.message).toBe(
      'Will permit access (dumpable=1 uid=1000 euid=1000 gid=1000 egid=1000 at_secure=no)',
    );
  });
  it('parses auxv with the core class (32-bit core)', () => {
    expect(
      decideUserAccess({ ...ok, coreHead: elfHead(1), auxv: auxv32(ids(1000, 1000, 5, 5, 0)) })
        .grant,
    ).toBe(true);
  });
  it.for([
    ['no auxv', { auxv: undefined }, 'No auxv data, not adjusting permissions.'],
    [
      'not ELF',
      { coreHead: Buffer.from('hello world, not an ELF core') },
      'Core file does not have ELF header, not adjusting permissions.',
    ],
    [
      'truncated core',
      { coreHead: Buffer.from([0x7f, 0x45]) },
      'Core file does not have ELF header, not adjusting permissions.',
    ],
    [
      'bad version',
      { coreHead: elfHead(2, 1, 0) },
      'Core file does not have ELF header, not adjusting permissions.',
    ],
    [
      'strange class',
      { coreHead: elfHead(3) },
      'Core file has strange ELF class, not adjusting permissions.',
    ],
    [
      'big endian',
      { coreHead: elfHead(2, 2) },
      'Core file has non-native endianness, not adjusting permissions.',
    ],
  ] as const)('refuses: %s', ([, patch, message]) => {
    const d = decideUserAccess({ ...ok, ...patch });
    expect(d).toEqual({ grant: false, message, level: 'info' });
  });
  it.for([
    ['dumpable 2', { dumpable: 2 }],
    ['dumpable 0', { dumpable: 0 }],
    ['setuid', { auxv: auxv64(ids(1000, 0, 1000, 1000, 1)) }],
    ['setgid', { auxv: auxv64(ids(1000, 1000, 1000, 0, 0)) }],
    ['AT_SECURE', { auxv: auxv64(ids(1000, 1000, 1000, 1000, 1)) }],
  ] as const)('restricts: %s', ([, patch]) => {
    const d = decideUserAccess({ ...ok, ...patch });
    expect(d.grant).toBe(false);
    expect(d.message).toMatch(/^Will restrict access \(dumpable=/);
  });
  it.for([0, 999, 61184, 65519, 60578, 65534])('never grants uid %i', (uid) => {
    expect(decideUserAccess({ ...ok, uid }).grant).toBe(false);
  });
  it('partial auxv pair', () => {
    const d = decideUserAccess({ ...ok, auxv: Buffer.alloc(20) });
    expect(d.grant).toBe(false);
    expect(d.message).toBe('Incomplete auxv structure (20 bytes).');
  });
  it('missing AT_SECURE', () => {
    expect(decideUserAccess({ ...ok, auxv: auxv64(ids(1, 1, 1, 1, 0).slice(0, 5)) }).grant).toBe(
      false,
    );
  });
});

describe('helpers', () => {
  it('checkElfHeader returns the word size', () => {
    expect(checkElfHeader(elfHead(2))).toBe(8);
    expect(checkElfHeader(elfHead(1))).toBe(4);
  });
  it('parseAuxvIds stops at AT_NULL', () => {
    const b = Buffer.concat([auxv64(ids(1, 2, 3, 4, 0)), auxv64([[11, 99]])]);
    expect(parseAuxvIds(b, 8).uid).toBe(1n);
  });
  it('isRegularUserUid', () => {
    expect(isRegularUserUid(1000)).toBe(true);
    expect(isRegularUserUid(60577)).toBe(true);
    expect(isRegularUserUid(60706)).toBe(true);
  });
});
