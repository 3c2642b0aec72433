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
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { startCrasher } from './lib/crash.mjs';
import { withKernelSettings } from './lib/kernel.mjs';
import { compile, crashOnCue } from './lib/native.mjs';
import { fmtMs, median, table } from './lib/stats.mjs';

const { values: opt } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1,512' },
    fill: { type: 'string', default: 'touch' },
    runs: { type: 'string', default: '5' },
  },
});

const FLOOR = compile(
  fileURLToPath(new URL('./lib/socket-floor.c', import.meta.url)),
  'socket-floor',
);
const CRASHER = crashOnCue();
const dir = mkdtempSync(join(tmpdir(), 'cdts-socket-floor-'));
const socketPath = join(dir, 'kernel');

/** The socket floor, listening for `count` connections; resolves once it is ready. */
function startFloor(count) {
  const child = spawn(FLOOR, [socketPath, String(count)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = [];
  let out = '';
  child.stdout.setEncoding('utf8');
  const ready = new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      out += chunk;
      for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        if (line === 'ready') resolve();
        else lines.push(line);
      }
    });
    child.once('exit', () => reject(new Error('socket-floor ended before it was ready')));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return { child, ready, exited, lines };
}

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
