#!/usr/bin/node
// What the stack helper costs, without the kernel path: a mini core of a live
// process (gcore of `sleep`, its link_map read from /proc/PID/mem as the worker
// reads it), then runStackHelper on it from a memfd: with libdw on the packages' debug
// files, with libdw on the debuginfo cache's decompressed copies of them (made once
// beforehand, in a temp directory, as the worker makes them), and with libdw made
// unavailable (COREDUMP_TS_LIBDW=/nonexistent: spawn, exec and a failed dlopen),
// interleaved. Prints median and min wall time of each, and what making the copies took.
// Measures, asserts nothing (docs/performance.md, "Stack traces: what the step costs").
//
//   node packages/stacktrace/bench/helper-time.mjs [runs [helper]]   (after npm run build)
//   unshare -m sh -c 'mount -t tmpfs none /usr/lib/debug && node packages/stacktrace/bench/helper-time.mjs'
//     the same as if no debug package were installed, for this process tree only
import { execFileSync, spawn } from 'node:child_process';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createMiniCoreBuilder } from '../../elf/dist/index.js';
import { debuginfoSearchPath, warmDebuginfoCache } from '../../pipeline/dist/index.js';
import { close, memfdCreate } from '../../unix/dist/index.js';
import { runStackHelper } from '../dist/index.js';

const RUNS = Number(process.argv[2] ?? 15);
const helperPath = process.argv[3]; // another build of the helper, for experiments
const dir = mkdtempSync(join(tmpdir(), 'cdts-helper-time-'));
const sleeper = spawn('/bin/sleep', ['600'], { stdio: 'ignore' });
const pid = sleeper.pid;
let mini;
try {
  execFileSync('gcore', ['-o', join(dir, 'core'), String(pid)], { stdio: 'ignore' });
  const core = readFileSync(join(dir, `core.${String(pid)}`));
  const builder = createMiniCoreBuilder();
  for (let at = 0; at < core.length; at += 1 << 16) {
    builder.observe(core.subarray(at, at + (1 << 16)), at);
  }
  builder.end({ bytes: core.length, truncated: false });
  const mem = openSync(`/proc/${String(pid)}/mem`, 'r');
  const read = (address, length) => {
    const buf = Buffer.allocUnsafe(length);
    try {
      return readSync(mem, buf, 0, length, address) === length ? buf : undefined;
    } catch {
      return undefined;
    }
  };
  const result = builder.finish(read);
  closeSync(mem);
  if (!result.ok) throw new Error(`mini core: ${result.reason}`);
  mini = result.core;
  console.log(`core ${String(core.length)} bytes, mini core ${String(mini.length)} bytes`);
} finally {
  sleeper.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}

const fd = memfdCreate('mini');
const cacheRoot = mkdtempSync(join(tmpdir(), 'cdts-helper-time-cache-'));
try {
  let at = 0;
  while (at < mini.length) at += writeSync(fd, mini, at);
  // The copies the worker would make for this core's modules, before the helper runs.
  const first = await runStackHelper({ coreFd: fd, exe: '/bin/sleep' });
  if ('error' in first) throw new Error(first.error);
  const ids = first.modules.flatMap((m) => (m.buildId === null ? [] : [m.buildId]));
  const cacheDir = join(cacheRoot, 'cache');
  const warmStarted = performance.now();
  const warm = await warmDebuginfoCache(ids, {
    cacheDir,
    debugRoot: '/usr/lib/debug',
    maxUseBytes: 1 << 30,
  });
  console.log(
    `debuginfo cache: ${String(warm.added.length)} copies made in ${(performance.now() - warmStarted).toFixed(1)} ms (${String(ids.length)} modules)`,
  );
  const arms = {
    libdw: { env: {} },
    'libdw, cached': {
      env: {},
      debuginfoPath: debuginfoSearchPath(cacheDir, '/usr/lib/debug'),
    },
    'no libdw': { env: { COREDUMP_TS_LIBDW: '/nonexistent' } },
  };
  const times = Object.fromEntries(Object.keys(arms).map((k) => [k, []]));
  let frames = 0;
  for (let i = 0; i < RUNS; i++) {
    for (const [name, arm] of Object.entries(arms)) {
      const t0 = performance.now();
      const r = await runStackHelper({
        coreFd: fd,
        exe: '/bin/sleep',
        ...arm,
        ...(helperPath === undefined ? {} : { helperPath }),
      });
      times[name].push(performance.now() - t0);
      if (name !== 'no libdw') {
        if ('error' in r) throw new Error(r.error);
        frames = r.threads[0]?.frames.length ?? 0;
      }
    }
  }
  const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  for (const name of Object.keys(arms)) {
    console.log(
      `${name.padEnd(14)} wall median ${med(times[name]).toFixed(1)} ms, min ${Math.min(...times[name]).toFixed(1)} ms (${String(RUNS)} runs)`,
    );
  }
  console.log(`frames of the first thread: ${String(frames)}`);
} finally {
  rmSync(cacheRoot, { recursive: true, force: true });
  close(fd);
}
