#!/usr/bin/node
// The mini-core observer's CPU cost on a core stream: the worker's read loop over
// 1 MiB chunks, with and without the observer, on a real kernel core (alloc 512 touch
// by default, made with core_pattern pointed at a temp file under the kernel lock).
// Measures, asserts nothing. After `npm run build`:
//   node packages/elf/bench/observer-cpu.mjs [--core FILE] [--mib 512] [--runs 5]
import { execFileSync, spawnSync } from 'node:child_process';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { withKernelSettings } from '../../testkit/dist/index.js';
import { createMiniCoreBuilder } from '../dist/index.js';

const { values: opt } = parseArgs({
  options: {
    core: { type: 'string' },
    mib: { type: 'string', default: '512' },
    runs: { type: 'string', default: '5' },
  },
});

const MiB = 1 << 20;

async function makeCore(dir, mib) {
  const source = fileURLToPath(new URL('../../../test/fixtures/crashers/alloc.c', import.meta.url));
  const binary = join(dir, 'alloc');
  execFileSync('gcc', ['-O2', '-o', binary, source]);
  return withKernelSettings({ corePattern: join(dir, 'core.%p') }, async () => {
    const run = spawnSync(
      '/bin/sh',
      ['-c', 'ulimit -c unlimited && exec "$@"', 'sh', binary, mib, 'touch'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const pid = /pid=(\d+)/.exec(run.stdout.toString())?.[1];
    if (run.signal !== 'SIGSEGV' || pid === undefined) throw new Error('alloc did not crash');
    return join(dir, `core.${pid}`);
  });
}

/** One pass over the core in 1 MiB reads; returns CPU µs (user + system). */
function pass(path, observe) {
  const buffer = Buffer.allocUnsafe(MiB);
  const fd = openSync(path, 'r');
  const builder = observe ? createMiniCoreBuilder() : undefined;
  const before = process.cpuUsage();
  let offset = 0;
  for (;;) {
    const n = readSync(fd, buffer, 0, MiB, offset);
    if (n === 0) break;
    if (builder !== undefined) {
      builder.observe(buffer.subarray(0, n), offset);
    }
    offset += n;
  }
  let size = 0;
  if (builder !== undefined) {
    builder.end({ bytes: offset, truncated: false });
    const result = builder.finish();
    if (!result.ok) throw new Error(result.reason);
    size = result.core.length;
  }
  const used = process.cpuUsage(before);
  closeSync(fd);
  return { cpuUs: used.user + used.system, size };
}

/** The observer alone: the core already in memory, handed over in 1 MiB slices. */
function observerOnly(core) {
  const before = process.cpuUsage();
  const builder = createMiniCoreBuilder();
  for (let offset = 0; offset < core.length; offset += MiB) {
    builder.observe(core.subarray(offset, Math.min(core.length, offset + MiB)), offset);
  }
  builder.end({ bytes: core.length, truncated: false });
  if (!builder.finish().ok) throw new Error('no mini core');
  const used = process.cpuUsage(before);
  return used.user + used.system;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = mkdtempSync(join(tmpdir(), 'observer-cpu-'));
try {
  const core = opt.core ?? (await makeCore(dir, opt.mib));
  const bytes = statSync(core).size;
  pass(core, false); // warm the page cache
  const without = [];
  const withObserver = [];
  const inObserver = [];
  let size = 0;
  for (let i = 0; i < Number(opt.runs); i++) {
    without.push(pass(core, false).cpuUs);
    const w = pass(core, true);
    withObserver.push(w.cpuUs);

    size = w.size;
  }
  const a = median(without);
  const b = median(withObserver);
  console.log(`core ${(bytes / MiB).toFixed(1)} MiB, 1 MiB reads, ${opt.runs} runs (median CPU)`);
  console.log(`  read loop alone          ${(a / 1000).toFixed(1)} ms`);
  console.log(
    `  read loop + observer     ${(b / 1000).toFixed(1)} ms (finish included, mini core ${size} B)`,
  );
  // Runs alternate, so pair them: the machine's load drifts between runs.
  const paired = median(without.map((x, i) => ((withObserver[i] ?? x) - x) / x));
  console.log(
    `  difference, paired runs  ${(paired * 100).toFixed(2)} % of the read loop (median)`,
  );
  const whole = readFileSync(core);
  for (let i = 0; i < Number(opt.runs); i++) inObserver.push(observerOnly(whole));
  const o = median(inObserver);
  console.log(
    `  observer alone (memory) ${(o / 1000).toFixed(2)} ms = ${((o / a) * 100).toFixed(2)} % of the read loop`,
  );
  console.log(`  all runs without: ${without.join(' ')} µs; with: ${withObserver.join(' ')} µs`);
  console.log(`  observer alone: ${inObserver.join(' ')} µs`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
