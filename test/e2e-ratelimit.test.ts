// End to end: flood control (RateLimitIntervalSec=/RateLimitBurst=, issue 18)
// through the real kernel. A crash loop keeps Burst cores; the rest still get
// their journal entries, marked, with the running suppressed count, and no file.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { STATE_FILE_NAME } from '@coredump-ts/ratelimit';

import { crashProgram, expectEntry, text } from './support/e2e.js';
import { setUpE2eFixture } from './support/e2e-fixture.js';

const e2e = setUpE2eFixture();
afterEach(() => {
  e2e.pipeline.clearDropIns();
  e2e.pipeline.clearStorage();
});

const cores = (): string[] => e2e.pipeline.files().filter((f) => f.startsWith('core.'));

describe('flood control', { timeout: 600_000 }, () => {
  it('a crash loop of 10 with Burst=3: 10 entries, 3 files, suppressed counts 1..7', async () => {
    e2e.pipeline.dropIn('50-ratelimit', 'RateLimitIntervalSec=1h\nRateLimitBurst=3');
    const rows: Record<
      'limited' | 'suppressed' | 'file' | 'message' | 'signature' | 'basis',
      string | undefined
    >[] = [];
    for (let i = 0; i < 10; i++) {
      const { exit, entry } = await crashProgram(e2e.pipeline, 'segv', [], { uid: e2e.uid });
      expectEntry(entry, {
        pid: exit.pid,
        comm: 'segv',
        uid: e2e.uid,
        signalName: 'SIGSEGV',
        signal: 11,
      });
      rows.push({
        limited: text(entry, 'COREDUMP_TS_RATE_LIMITED'),
        suppressed: text(entry, 'COREDUMP_TS_SUPPRESSED'),
        file: text(entry, 'COREDUMP_FILENAME'),
        message: text(entry, 'MESSAGE'),
        signature: text(entry, 'COREDUMP_TS_SIGNATURE'),
        basis: text(entry, 'COREDUMP_TS_SIGNATURE_BASIS'),
      });
    }
    expect(rows.map((r) => r.limited)).toEqual([
      ...Array<undefined>(3).fill(undefined),
      ...Array<string>(7).fill('1'),
    ]);
    expect(rows.map((r) => r.suppressed)).toEqual([
      undefined,
      undefined,
      undefined,
      ...['1', '2', '3', '4', '5', '6', '7'],
    ]);
    expect(rows.slice(0, 3).every((r) => r.file !== undefined)).toBe(true);
    expect(rows.slice(3).map((r) => r.file)).toEqual(Array<undefined>(7).fill(undefined));
    // The suppressed cores are traced from the drained stream like the stored ones,
    // so the whole loop is one signature (one row in `top`), on its frames.
    expect(rows[9]?.message).toMatch(
      /dumped core\.\nThe core was not stored because of the rate limit \(7 suppressed since the last one stored\)\.\n\nStack trace of thread \d+:\n#0 /,
    );
    expect(new Set(rows.map((r) => r.signature)).size).toBe(1);
    expect(rows.map((r) => r.basis)).toEqual(Array<string>(10).fill('frames'));
    expect(cores()).toHaveLength(3);
  });

  it('a corrupt state file is treated as empty, with a warning', async () => {
    e2e.pipeline.dropIn('50-ratelimit', 'RateLimitIntervalSec=1h\nRateLimitBurst=1');
    const state = join(e2e.pipeline.storage, STATE_FILE_NAME);
    writeFileSync(state, '{"buckets": not json');
    const before = e2e.pipeline.activation?.output().length ?? 0;
    const first = await crashProgram(e2e.pipeline, 'segv', [], { uid: e2e.uid });
    expect(text(first.entry, 'COREDUMP_FILENAME')).toBeDefined();
    expect(text(first.entry, 'COREDUMP_TS_RATE_LIMITED')).toBeUndefined();
    expect(e2e.pipeline.activation?.output().slice(before)).toMatch(
      /Rate limit state .*coredump-ts\.ratelimit is corrupt \(not JSON.*\), starting afresh\./,
    );
    // Rewritten whole: the next crash is counted against the same budget.
    expect(() => JSON.parse(readFileSync(state, 'utf8')) as unknown).not.toThrow();
    const second = await crashProgram(e2e.pipeline, 'segv', [], { uid: e2e.uid });
    expect(text(second.entry, 'COREDUMP_TS_RATE_LIMITED')).toBe('1');
    expect(text(second.entry, 'COREDUMP_TS_SUPPRESSED')).toBe('1');
    expect(cores()).toHaveLength(1);
  });
});
