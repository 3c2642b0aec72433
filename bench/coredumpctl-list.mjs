#!/usr/bin/node
// Time `list` over 5,000 coredump entries: coredumpctl-ts next to systemd's
// coredumpctl, and coredumpctl-ts `top` (the entries carry 20 signatures), all reading the same private journal (-D: a journald
// namespace of the bench's own, so these made-up entries never reach the
// machine's journal). Prints, asserts nothing.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { startBenchJournal, waitForCount } from './lib/namespace.mjs';

const N = 5000;
const MARK = 'CDTS_BENCH=coredumpctl-list-5000';
const OURS = fileURLToPath(new URL('../packages/coredumpctl/dist/main.cjs', import.meta.url));
const journal = await import(new URL('../packages/journal/dist/index.js', import.meta.url).href);

const ns = await startBenchJournal('cdtslist');
const text = (name, value) => ({ name, value: Buffer.from(String(value)) });
for (let i = 0; i < N; i++) {
  journal.sendJournalEntry(
    [
      text('MESSAGE_ID', 'fc2e22bc6ee647b6b90729ab34a250b1'),
      text('MESSAGE', `bench ${i}`),
      text('PRIORITY', 2),
      text('CDTS_BENCH', 'coredumpctl-list-5000'),
      text('COREDUMP_PID', 100000 + i),
      text('COREDUMP_UID', 0),
      text('COREDUMP_GID', 0),
      text('COREDUMP_SIGNAL', 11),
      text('COREDUMP_COMM', 'cdts-bench'),
      text('COREDUMP_EXE', '/usr/bin/cdts-bench'),
      text('COREDUMP_FILENAME', `/var/lib/systemd/coredump/core.cdts-bench.0.x.${i}.zst`),
      text('COREDUMP_TS_SIGNATURE', (0x1000000000000000n + BigInt(i % 20)).toString(16)),
      text('COREDUMP_TS_TOP_FRAME', `cdts-bench!crash_site_${i % 20}`),
    ],
    { socketPath: ns.socketPath },
  );
}
const have = await waitForCount(ns.dir, [MARK], N, spawnSync);

// Runs are interleaved (ours, systemd's, ours, ...) so a busy machine slows both
// alike; the median is reported, with the fastest run next to it.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const args = ['--no-pager', '--no-legend', '-D', ns.dir, 'list', MARK];
// coredumpctl-ts reads the journal files itself by default; COREDUMP_TS_JOURNALCTL
// (the journalctl binary to run) makes it run `journalctl -o json` instead,
// timed too.
const contestants = [
  // Run as a user runs it: the file itself, by its shebang (which drops
  // NODE_EXTRA_CA_CERTS, packages/protocol/src/node-env.ts).
  { name: 'coredumpctl-ts list', cmd: OURS, args },
  { name: 'systemd coredumpctl list', cmd: '/usr/bin/coredumpctl', args },
  {
    name: 'coredumpctl-ts via journalctl',
    cmd: OURS,
    args,
    env: { ...process.env, COREDUMP_TS_JOURNALCTL: 'journalctl' },
  },
  {
    name: 'coredumpctl-ts top',
    cmd: OURS,
    args: ['--no-pager', '--no-legend', '-D', ns.dir, 'top', MARK],
  },
];
// BENCH_BASELINE=<path to another build's main.js>: time it too (before/after).
if (process.env.BENCH_BASELINE)
  contestants.push({
    name: 'baseline list',
    cmd: process.execPath,
    args: [process.env.BENCH_BASELINE, ...args],
  });
for (const c of contestants) c.runs = [];
for (let i = 0; i < ROUNDS; i++) {
  for (const c of contestants) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(c.cmd, c.args, { encoding: 'utf8', maxBuffer: 1 << 28, env: c.env });
    c.runs.push(Number(process.hrtime.bigint() - t0) / 1e6);
    c.rows = r.stdout.split('\n').filter((l) => l !== '').length;
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`entries with marker: ${have}; ${ROUNDS} interleaved rounds`);
for (const c of contestants) {
  c.median = median(c.runs);
  console.log(
    `${`${c.name}:`.padEnd(31)} median ${c.median.toFixed(0)} ms, best ${Math.min(...c.runs).toFixed(0)} ms (${c.rows} rows)`,
  );
}
const [ours, theirs] = contestants;
const top = contestants.find((c) => c.name === 'coredumpctl-ts top');
// Issue 18's target: list and top each <= 1.0x systemd's list.
console.log(`ratio (medians): ${(ours.median / theirs.median).toFixed(2)}x`);
console.log(`ratio top/systemd list (medians): ${(top.median / theirs.median).toFixed(2)}x`);
await ns.stop();
