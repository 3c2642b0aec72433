#!/usr/bin/node
// The two floors side by side, for the socket-mode rows of the bench: the time
// from the cue to the crashed process being reaped when the core only has to be
// drained, through a pipe (core_pattern `|/bin/dd of=/dev/null bs=1M`, as in
// bench/run.mjs) and through the kernel coredump socket (core_pattern
// `@@PATH`, Linux 6.17+, bench/lib/socket-floor.c doing the request/ack
// handshake and reading to EOF). Measures, asserts nothing; a building block,
// not a replacement for bench/run.mjs.
//
// Options: --sizes 1,512  --fill touch|random  --runs 5
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { startCrasher } from './lib/crash.mjs';
import { withKernelSettings } from './lib/kernel.mjs';
import { crashOnCue } from './lib/native.mjs';
import { socketFloorBinary, startSocketFloor } from './lib/socket-floor.mjs';
import { fmtMs, median, table } from './lib/stats.mjs';

const { values: opt } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1,512' },
    fill: { type: 'string', default: 'touch' },
    runs: { type: 'string', default: '5' },
  },
});

const FLOOR = socketFloorBinary();
const CRASHER = crashOnCue();
const dir = mkdtempSync(join(tmpdir(), 'cdts-socket-floor-'));
const socketPath = join(dir, 'kernel');

const startFloor = (count) => startSocketFloor(FLOOR, socketPath, count);

async function crashOnce(mib) {
  const crasher = startCrasher(CRASHER, mib, opt.fill);
  await crasher.ready;
  const { t0Ns } = crasher.fire();
  const { signal, reapedNs } = await crasher.exited;
  return { ms: Number(reapedNs - t0Ns) / 1e6, signal };
}

const runs = Number(opt.runs);
const rows = [];
try {
  for (const mib of opt.sizes.split(',').map(Number)) {
    const dd = await withKernelSettings(
      { corePattern: '|/bin/dd of=/dev/null bs=1M' },
      async () => {
        const times = [];
        for (let i = 0; i < runs; i++) times.push((await crashOnce(mib)).ms);
        return times;
      },
    );
    const floor = startFloor(runs);
    await floor.ready;
    const sock = await withKernelSettings({ corePattern: `@@${socketPath}` }, async () => {
      const times = [];
      for (let i = 0; i < runs; i++) times.push((await crashOnce(mib)).ms);
      return times;
    });
    await floor.exited;
    const drained = floor.lines.map((l) => Number(l.split(' ')[0]));
    rows.push([
      `${String(mib)} MiB ${opt.fill}`,
      fmtMs(median(dd)),
      fmtMs(median(sock)),
      `${String(Math.round(median(drained) / 1048576))} MiB`,
    ]);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`crash->reaped, median of ${String(runs)} (cue to waitpid):`);
console.log(table([['core', 'dd pipe floor', '@@ socket floor', 'socket floor read'], ...rows]));
