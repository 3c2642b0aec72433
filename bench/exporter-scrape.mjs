#!/usr/bin/node
// Time the exporter's scrape over a 5,000-entry journal (issue 18): the first
// scrape (every coredump entry read), then one after 10 new crashes (only
// those read). In a private journald namespace; prints, asserts nothing.
import { spawnSync } from 'node:child_process';

import { startBenchJournal, waitForCount } from './lib/namespace.mjs';

const N = 5000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const journal = await import(new URL('../packages/journal/dist/index.js', import.meta.url).href);
const read = await import(new URL('../packages/journal/dist/read.js', import.meta.url).href);
const exporter = await import(new URL('../packages/exporter/dist/index.js', import.meta.url).href);

const ns = await startBenchJournal('cdtsscrape');
try {
  const entry = (i) => {
    const text = (name, value) => ({ name, value: Buffer.from(String(value)) });
    return [
      text('MESSAGE_ID', 'fc2e22bc6ee647b6b90729ab34a250b1'),
      text('PRIORITY', 2),
      text('MESSAGE', `bench ${i}`),
      text('COREDUMP_PID', 100000 + i),
      text('COREDUMP_UID', 0),
      text('COREDUMP_GID', 0),
      text('COREDUMP_SIGNAL', 11),
      text('COREDUMP_SIGNAL_NAME', 'SIGSEGV'),
      text('COREDUMP_COMM', `cdts-bench${i % 20}`),
      text('COREDUMP_EXE', `/usr/bin/cdts-bench${i % 20}`),
      text('COREDUMP_TS_SIGNATURE', (i % 50).toString(16).padStart(16, '0')),
    ];
  };
  // Filler between the coredump entries, so the files look like a real journal.
  const filler = (i) => [{ name: 'MESSAGE', value: Buffer.from(`unrelated ${i}`) }];
  for (let i = 0; i < N; i++) {
    journal.sendJournalEntry(entry(i), { socketPath: ns.socketPath });
    for (let j = 0; j < 4; j++)
      journal.sendJournalEntry(filler(i * 4 + j), { socketPath: ns.socketPath });
  }
  const have = await waitForCount(
    ns.dir,
    ['MESSAGE_ID=fc2e22bc6ee647b6b90729ab34a250b1'],
    N,
    spawnSync,
  );
  const bootId = exporter.currentBootId();
  const firsts = [];
  const incrementals = [];
  for (let round = 0; round < ROUNDS; round++) {
    const collector = new exporter.CoredumpCollector({
      files: () => read.directoryJournalFiles(ns.dir),
      trust: { coredumpUid: undefined },
      bootId,
    });
    const metrics = new exporter.CoredumpMetrics();
    const deps = { collector, metrics, bootId };
    let t0 = process.hrtime.bigint();
    await exporter.scrape(deps);
    firsts.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const before = collector.all.length;
    for (let i = 0; i < 10; i++)
      journal.sendJournalEntry(entry(N + round * 10 + i), { socketPath: ns.socketPath });
    await waitForCount(
      ns.dir,
      ['MESSAGE_ID=fc2e22bc6ee647b6b90729ab34a250b1'],
      have + (round + 1) * 10,
      spawnSync,
    );
    t0 = process.hrtime.bigint();
    await exporter.scrape(deps);
    incrementals.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (collector.all.length !== before + 10)
      throw new Error(`expected ${before + 10} records, got ${collector.all.length}`);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const fmt = (xs) =>
    `median ${median(xs).toFixed(1)} ms, best ${Math.min(...xs).toFixed(1)} ms, worst ${Math.max(...xs).toFixed(1)} ms`;
  console.log(
    `exporter scrape, ${have} coredump entries (+${4 * N} others) in a private journal, ${ROUNDS} rounds (in-process, no HTTP):`,
  );
  console.log(`  first scrape:                ${fmt(firsts)}`);
  console.log(`  scrape after 10 new crashes: ${fmt(incrementals)}  (target <= 50 ms)`);
} finally {
  await ns.stop();
}
