import { describe, expect, it } from 'vitest';

import { topCrashers, type TopInput } from './top.js';

const e = (
  signature: string | undefined,
  realtimeUsec: number,
  over: Partial<TopInput> = {},
): TopInput => ({
  signature,
  exe: '/usr/bin/a',
  signal: 11,
  signalName: 'SIGSEGV',
  topFrame: 'a!crash',
  realtimeUsec,
  ...over,
});

describe('topCrashers', () => {
  it('counts by signature, hand-counted, most frequent first', () => {
    const rows = topCrashers([
      e('s1', 10),
      e('s2', 20, { exe: '/usr/bin/b', topFrame: 'b!f' }),
      e('s1', 30),
      e('s3', 5, { signal: 6, signalName: 'SIGABRT' }),
      e('s1', 25),
      e('s2', 40, { exe: '/usr/bin/b', topFrame: 'b!g' }),
    ]);
    expect(rows.map((r) => [r.signature, r.count, r.firstUsec, r.lastUsec])).toEqual([
      ['s1', 3, 10, 30],
      ['s2', 2, 20, 40],
      ['s3', 1, 5, 5],
    ]);
    // A group shows its most recent entry's details.
    expect(rows[1]).toMatchObject({ exe: '/usr/bin/b', topFrame: 'b!g' });
  });

  it('groups entries without a signature by exe and signal, shown as -', () => {
    const rows = topCrashers([
      e(undefined, 1),
      e(undefined, 2),
      e(undefined, 3, { signal: 6, signalName: 'SIGABRT' }),
      e(undefined, 4, { exe: '/usr/bin/c' }),
    ]);
    expect(rows.map((r) => [r.signature, r.exe, r.signal, r.count])).toEqual([
      ['-', '/usr/bin/a', 11, 2],
      ['-', '/usr/bin/c', 11, 1],
      ['-', '/usr/bin/a', 6, 1],
    ]);
  });

  it('breaks count ties by the most recent crash, then the signature', () => {
    const rows = topCrashers([e('b', 1), e('a', 1), e('c', 9)]);
    expect(rows.map((r) => r.signature)).toEqual(['c', 'a', 'b']);
    expect(topCrashers([])).toEqual([]);
  });
});
