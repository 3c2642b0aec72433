import { mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { fakeProcSys } from '../../../test/support/fake-proc-sys.js';

import { withKernelSettings } from './kernel-lock.js';
import { readKernelSettings } from '@coredump-ts/admin';

// A temp dir stands in for /proc/sys, another holds the lock: the real ones
// are machine-global.
const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function fakeMachine(): { procSys: string; lockDir: string } {
  const procSys = fakeProcSys();
  made.push(procSys);
  return { procSys, lockDir: join(procSys, 'lock') };
}

const ORIGINAL = { corePattern: 'core', corePipeLimit: '0', suidDumpable: '0' };
const OURS = { corePattern: '|/x %P', corePipeLimit: '16', suidDumpable: '2' };

describe('withKernelSettings', () => {
  it('applies the settings inside and restores all three after a return', async () => {
    const m = fakeMachine();
    const inside = await withKernelSettings(
      OURS,
      () => Promise.resolve(readKernelSettings(m.procSys)),
      m,
    );
    expect(inside).toEqual(OURS);
    expect(readKernelSettings(m.procSys)).toEqual(ORIGINAL);
  });

  it('restores after a throw, including values fn changed itself', async () => {
    const m = fakeMachine();
    const run = withKernelSettings(
      { corePattern: '|/y' },
      () => {
        writeFileSync(join(m.procSys, 'fs', 'suid_dumpable'), '1\n');
        return Promise.reject(new Error('boom'));
      },
      m,
    );
    await expect(run).rejects.toThrow('boom');
    expect(readKernelSettings(m.procSys)).toEqual(ORIGINAL);
  });

  it('holds the lock while fn runs, so a second caller waits its turn', async () => {
    const m = fakeMachine();
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = withKernelSettings(
      { corePattern: '|/first' },
      async () => {
        order.push('first in');
        expect(readFileSync(join(m.lockDir, 'pid'), 'utf8')).toBe(String(process.pid));
        await gate;
        order.push('first out');
      },
      m,
    );
    const second = withKernelSettings(
      { corePattern: '|/second' },
      () => {
        order.push('second in');
        return Promise.resolve();
      },
      m,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(order).toEqual(['first in']);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['first in', 'first out', 'second in']);
    expect(readKernelSettings(m.procSys)).toEqual(ORIGINAL);
  });

  it('takes over the lock of a holder that died', async () => {
    const m = fakeMachine();
    mkdirSync(m.lockDir);
    writeFileSync(join(m.lockDir, 'pid'), '999999999');
    await withKernelSettings(OURS, () => Promise.resolve(), { ...m, lockTimeoutMs: 2_000 });
    expect(readKernelSettings(m.procSys)).toEqual(ORIGINAL);
  });

  it('takes over a lock with no pid once it is older than a few seconds, not before', async () => {
    const m = fakeMachine();
    mkdirSync(m.lockDir);
    // Fresh and pid-less: its holder may be about to write its pid.
    await expect(
      withKernelSettings(OURS, () => Promise.resolve(), { ...m, lockTimeoutMs: 300 }),
    ).rejects.toThrow(/timed out waiting/);
    const old = new Date(Date.now() - 60_000);
    utimesSync(m.lockDir, old, old);
    await withKernelSettings(OURS, () => Promise.resolve(), { ...m, lockTimeoutMs: 2_000 });
    expect(readKernelSettings(m.procSys)).toEqual(ORIGINAL);
  });
});
