// End to end under load and failure: a burst of crashes, a 512 MiB core with
// the worker's peak memory watched, and the listener gone (the handler then
// processes the crash itself).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

import { compileCrasher, startCrasher, type RunningCrasher } from './support/crashers.js';
import {
  crashProgram,
  crashThrough,
  expectEntry,
  expectStoredFile,
  waitForCrashEntry,
  withPipelineKernel,
} from './support/e2e.js';
import { setUpE2eFixture } from './support/e2e-fixture.js';

const execFileAsync = promisify(execFile);

const e2e = setUpE2eFixture();

const segvEntry = (pid: number, comm = 'segv') => ({
  pid,
  comm,
  uid: e2e.uid,
  signalName: 'SIGSEGV',
  signal: 11,
});

/** The pids of the children systemd-socket-activate has running now (the workers). */
function workerPids(activationPid: number): number[] {
  try {
    const children = readFileSync(
      `/proc/${String(activationPid)}/task/${String(activationPid)}/children`,
      'utf8',
    );
    return children.split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** VmHWM (peak resident set) of a process in bytes, undefined once it is gone. */
function peakRssBytes(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
    const kb = /^VmHWM:\s+([0-9]+) kB$/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

const BURST = 32;

describe('load and failure', { timeout: 600_000 }, () => {
  it(`a burst of ${String(BURST)} crashes within a second: every one recorded`, async () => {
    const segv = await compileCrasher('segv');
    const sinceUsec = (Math.floor(Date.now() / 1000) - 1) * 1_000_000;
    const exits = await withPipelineKernel(e2e.pipeline, async () => {
      const procs: RunningCrasher[] = [];
      // Paced over about a second rather than all in one instant: the kernel
      // itself skips dumps beyond core_pipe_limit=16 in flight at once.
      for (let i = 0; i < BURST; i++) {
        procs.push(startCrasher(segv, [], { uid: e2e.uid }));
        await sleep(30);
      }
      return Promise.all(procs.map((c) => c.exited));
    });
    expect(exits.map((e) => e.signal)).toEqual(Array<string>(BURST).fill('SIGSEGV'));
    // A crash the kernel refused to pipe never reaches the handler: name those.
    const { stdout: kmsg } = await execFileAsync('dmesg', [], { maxBuffer: 64 << 20 });
    const skipped = exits
      .map((e) => e.pid)
      .filter((pid) => kmsg.includes(`coredump: ${String(pid)}(segv): over core_pipe_limit`));
    expect(skipped, 'crashes the kernel skipped: over core_pipe_limit=16 in flight').toEqual([]);
    const entries = await Promise.all(
      exits.map((e) => waitForCrashEntry(e.pid, sinceUsec, { timeoutMs: 180_000 })),
    );
    for (const [i, entry] of entries.entries()) {
      expectEntry(entry, segvEntry(exits[i]?.pid ?? 0));
    }
    const files = e2e.pipeline.files();
    expect(files).toHaveLength(BURST);
    for (const e of exits) {
      expect(files.filter((f) => f.includes(`.${String(e.pid)}.`))).toHaveLength(1);
    }
    e2e.pipeline.clearStorage();
  });

  it('a 512 MiB core: stored whole, the worker peak RSS stays flat', async () => {
    const alloc = await compileCrasher('alloc');
    const activationPid = e2e.pipeline.activation?.pid;
    if (activationPid === undefined) throw new Error('no listener');
    const peaks = new Map<number, number>();
    const state = { sampling: true };
    const sampler = (async () => {
      while (state.sampling) {
        for (const pid of workerPids(activationPid)) {
          const hwm = peakRssBytes(pid);
          if (hwm !== undefined) peaks.set(pid, Math.max(hwm, peaks.get(pid) ?? 0));
        }
        await sleep(20);
      }
    })();
    let result;
    try {
      result = await crashThrough(
        e2e.pipeline,
        () => startCrasher(alloc, ['512', 'touch'], { uid: e2e.uid }),
        { timeoutMs: 300_000 },
      );
    } finally {
      state.sampling = false;
      await sampler;
    }
    const { exit, entry } = result;
    expectEntry(entry, segvEntry(exit.pid, 'alloc'));
    expect(entry['COREDUMP_TRUNCATED']).toBeUndefined();
    const path = await expectStoredFile(entry, e2e.pipeline, {
      pid: exit.pid,
      comm: 'alloc',
      uid: e2e.uid,
      acl: true,
    });
    const { stdout } = await execFileAsync('sh', ['-c', 'zstd -dc -- "$1" | wc -c', 'sh', path]);
    expect(Number(stdout.trim())).toBeGreaterThan(512 << 20);
    // One worker served this crash and was observed while it ran.
    expect(peaks.size).toBe(1);
    const [peak] = [...peaks.values()];
    expect(peak).toBeGreaterThan(10 << 20);
    expect(peak).toBeLessThan(150 << 20);
    e2e.pipeline.clearStorage();
  });

  it('the listener stopped: the handler records the crash itself', async () => {
    await e2e.pipeline.stopListener();
    try {
      const { exit, entry } = await crashProgram(e2e.pipeline, 'segv', [], { uid: e2e.uid });
      expectEntry(entry, segvEntry(exit.pid));
      await expectStoredFile(entry, e2e.pipeline, {
        pid: exit.pid,
        comm: 'segv',
        uid: e2e.uid,
        acl: true,
      });
    } finally {
      await e2e.pipeline.startListener();
      e2e.pipeline.clearStorage();
    }
  });
});
