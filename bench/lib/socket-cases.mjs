// Socket-mode cases of `npm run bench` (issue 17): one crash handled by our
// resident manager (core_pattern `@@<bench socket>`), one drained by the C
// socket floor, a burst, the manager's idle cost, and flood control's
// suppressed crashes (issue 18). The manager is started once per case (once
// per batch for flood control) BEFORE the crash is cued, and the crash is
// timed only once its idle worker has finished starting.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { onCleanup } from './cleanup.mjs';
import { startCrasher } from './crash.mjs';
import { startBenchJournal } from './namespace.mjs';
import { burstEntries, recordEntry, requireJournald } from './journal.mjs';
import { withKernelSettings } from './kernel.mjs';
import { followWorker, startManager } from './manager.mjs';
import { procMemory, procStat, ticksToMs } from './proc.mjs';
import { startSocketFloor } from './socket-floor.mjs';

/**
 * ctx: { crasher, floorBinary, tmp, pipeLimit, storage(name) -> dir, configRoot? }
 * `spec.env`: extra manager/worker environment (COREDUMP_TS_LIBDW for -notrace).
 */
export async function runSocketCase(ctx, spec, method, mib, fill) {
  await requireJournald();
  const crasher = startCrasher(ctx.crasher, mib, fill);
  await crasher.ready;
  const socketPath = `${ctx.tmp}/kernel.sock`;
  const storage = ctx.storage;
  const logFrom = logSize(ctx);
  const mgr = await startManager({
    socketPath,
    // debug: the worker logs how long its stack helper took (helperTiming).
    env: { COREDUMP_TS_STORAGE: storage, COREDUMP_TS_LOG_LEVEL: 'debug', ...spec.env },
    logFile: managerLog(ctx),
    prefix: ctx.managerPrefix,
  }).catch((error) => {
    process.kill(crasher.pid, 'SIGKILL');
    throw error;
  });
  const result = { method, mib, fill, pid: crasher.pid };
  try {
    await withKernelSettings(
      { corePattern: `@@${socketPath}`, corePipeLimit: String(ctx.pipeLimit) },
      () => crashIntoManager(ctx, mgr, crasher, result, logFrom),
    );
  } finally {
    await mgr.stop();
  }
  return result;
}

/**
 * Cues one crash at a settled manager (core_pattern already `@@` its socket) and
 * records crash->reaped, its entry (returned), and the busy worker's CPU and peak RSS.
 */
async function crashIntoManager(ctx, mgr, crasher, result, logFrom, namespace) {
  const [busy] = mgr.workers();
  const cpu0 = mgr.reapedCpuTicks();
  const { t0Ns, t0RealUs } = crasher.fire();
  // Without a worker to follow (none was idle), the entry is polled for at once.
  let workerDone = busy === undefined;
  const follow =
    busy === undefined
      ? undefined
      : followWorker(busy).then((f) => {
          workerDone = true;
          return f;
        });
  const exit = await crasher.exited;
  result.reapedMs = Number(exit.reapedNs - t0Ns) / 1e6;
  result.signal = exit.signal;
  const entry = await recordEntry(result, crasher.pid, t0RealUs, () => workerDone, namespace);
  if (entry === undefined) result.errors = managerErrors(ctx, logFrom);
  const f = await follow;
  Object.assign(result, helperTiming(ctx, logFrom));
  if (f?.reaped) {
    // The manager has reaped it: its CPU (and its helper's) is in cutime+cstime now.
    result.worker = { cpuMs: ticksToMs(mgr.reapedCpuTicks() - cpu0), maxRssKiB: f.peakKiB };
  }
  return entry;
}

const managerLog = (ctx) => `${ctx.tmp}/manager.log`;
const logSize = (ctx) => (existsSync(managerLog(ctx)) ? statSync(managerLog(ctx)).size : 0);
/** What the manager and its workers logged since `from` (bytes); '' without a log. */
const logSince = (ctx, from) =>
  existsSync(managerLog(ctx)) ? readFileSync(managerLog(ctx)).subarray(from).toString('utf8') : '';

/**
 * The trace step as the worker itself timed it (its debug line "Stack helper
 * took N ms on a B-byte mini core"): the helper's spawn to its exit, with
 * nothing of the core stream in it. Empty when the worker logged none (no
 * libdw, or no mini core).
 */
function helperTiming(ctx, from) {
  const log = logSince(ctx, from);
  const m = /Stack helper took ([0-9.]+) ms on a ([0-9]+)-byte mini core/.exec(log);
  // And the step before it, as root: the debuginfo cache's copies ("N added" on a cold cache).
  const c =
    /Debug info cache: \d+ modules, \d+ cached, (\d+) added, \d+ removed, in ([0-9.]+) ms/.exec(
      log,
    );
  return {
    ...(m === null ? {} : { helperMs: Number(m[1]), miniCoreBytes: Number(m[2]) }),
    ...(c === null ? {} : { cacheMs: Number(c[2]), cacheCopies: Number(c[1]) }),
  };
}

/** Error and warning lines the manager and its workers logged since `from` (bytes). */
function managerErrors(ctx, from) {
  return logSince(ctx, from)
    .split('\n')
    .filter((l) => /^<[0-4]>/.test(l));
}

/** One crash drained by the C floor on the kernel socket: crash->reaped only. */
export async function runSocketFloorCase(ctx, method, mib, fill) {
  const crasher = startCrasher(ctx.crasher, mib, fill);
  await crasher.ready;
  const socketPath = `${ctx.tmp}/floor.sock`;
  const floor = startSocketFloor(ctx.floorBinary, socketPath, 1);
  const result = { method, mib, fill, pid: crasher.pid };
  try {
    await floor.ready;
    await withKernelSettings(
      { corePattern: `@@${socketPath}`, corePipeLimit: String(ctx.pipeLimit) },
      async () => {
        const { t0Ns } = crasher.fire();
        const exit = await crasher.exited;
        result.reapedMs = Number(exit.reapedNs - t0Ns) / 1e6;
        result.signal = exit.signal;
      },
    );
    await Promise.race([floor.exited, sleep(10_000)]);
    const [line] = floor.lines;
    if (line !== undefined) result.drainedBytes = Number(line.split(' ')[0]);
  } finally {
    await floor.stop();
  }
  return result;
}

/** n crashes of 1 MiB fired together at core_pipe_limit=limit; entries counted. */
export async function runSocketBurst(ctx, spec, method, limit, n) {
  await requireJournald();
  const crashers = Array.from({ length: n }, () => startCrasher(ctx.crasher, 1, 'touch'));
  await Promise.all(crashers.map((c) => c.ready));
  const pids = new Set(crashers.map((c) => c.pid));
  const socketPath = `${ctx.tmp}/kernel.sock`;
  const logFrom = logSize(ctx);
  const mgr = await startManager({
    socketPath,
    env: { COREDUMP_TS_STORAGE: ctx.storage, ...spec.env },
    logFile: managerLog(ctx),
    prefix: ctx.managerPrefix,
  });
  const result = { method, limit, n, files: [] };
  try {
    await withKernelSettings(
      { corePattern: `@@${socketPath}`, corePipeLimit: String(limit) },
      async () => {
        const t0s = crashers.map((c) => c.fire());
        const { t0RealUs } = t0s[0];
        await Promise.all(crashers.map((c) => c.exited));
        // Every crash has been reaped, so the kernel is done with every connection;
        // entries until all n are in, or nothing new for 5 s once no worker is busy.
        const { entries, lastMs } = await burstEntries(pids, t0RealUs, () => {
          return mgr.workers().length <= 1;
        });
        result.recorded = entries.length;
        result.lastMs = lastMs;
        if (entries.length < n) {
          // One line per kind (pids aside), with how often it came.
          const kinds = new Map();
          for (const line of managerErrors(ctx, logFrom)) {
            const key = line.replace(/\d+/g, 'N');
            kinds.set(key, { line, count: (kinds.get(key)?.count ?? 0) + 1 });
          }
          result.errors = [...kinds.values()].map((k) => `${k.count} x ${k.line}`);
        }
        result.files = entries.map((e) => e.filename).filter((f) => f !== undefined);
      },
    );
  } finally {
    await mgr.stop();
  }
  for (const f of result.files) rmSync(f, { force: true });
  delete result.files;
  result.pids = pids;
  return result;
}

/**
 * Idle cost: the manager and its idle worker(s) after start-up has settled,
 * VmRSS summed, and their CPU over `seconds` (utime+stime deltas of every
 * process of the pool, as % of one core). No kernel settings are needed.
 */
export async function measureIdle(ctx, seconds) {
  const mgr = await startManager({
    socketPath: `${ctx.tmp}/idle.sock`,
    env: { COREDUMP_TS_STORAGE: ctx.storage },
    logFile: managerLog(ctx),
    prefix: ctx.managerPrefix,
  });
  try {
    await sleep(1000);
    const pidsAt = () => [mgr.pid, ...mgr.workers()];
    const before = pidsAt();
    const ticks = (pids) =>
      pids.map((p) => procStat(p)).reduce((sum, s) => sum + (s ? s.utime + s.stime : 0), 0);
    const t0 = performance.now();
    const c0 = ticks(before);
    const m0 = ticks([mgr.pid]);
    await sleep(seconds * 1000);
    const after = pidsAt();
    const c1 = ticks(before);
    const managerTicks = ticks([mgr.pid]) - m0;
    const wallMs = performance.now() - t0;
    const rssKiB = after.map((p) => procMemory(p)?.rssKiB ?? 0);
    return {
      processes: after.length,
      sameProcesses: before.join(',') === after.join(','),
      rssBytes: rssKiB.reduce((a, b) => a + b, 0) * 1024,
      managerRssBytes: rssKiB[0] * 1024,
      cpuMs: ticksToMs(c1 - c0),
      cpuPercent: (ticksToMs(c1 - c0) / wallMs) * 100,
      managerCpuMs: ticksToMs(managerTicks),
      seconds,
    };
  } finally {
    await mgr.stop();
  }
}

/**
 * The machine's coredump.conf (and drop-ins) copied under a private root, plus
 * a drop-in with the flood-control keys: the manager's workers read it through
 * COREDUMP_TS_CONFIG_ROOT. Returns the root.
 */
export function floodConfigRoot(tmp, intervalSec, burst) {
  const root = `${tmp}/flood-root`;
  const copy = (path) => {
    if (!existsSync(path)) return;
    mkdirSync(dirname(`${root}${path}`), { recursive: true });
    copyFileSync(path, `${root}${path}`);
  };
  copy('/etc/systemd/coredump.conf');
  for (const dir of [
    '/etc/systemd/coredump.conf.d',
    '/run/systemd/coredump.conf.d',
    '/usr/local/lib/systemd/coredump.conf.d',
    '/usr/lib/systemd/coredump.conf.d',
  ]) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) copy(`${dir}/${f}`);
  }
  mkdirSync(`${root}/etc/systemd/coredump.conf.d`, { recursive: true });
  writeFileSync(
    `${root}/etc/systemd/coredump.conf.d/zz-bench-flood.conf`,
    `[Coredump]\nRateLimitIntervalSec=${intervalSec}\nRateLimitBurst=${burst}\n`,
  );
  return root;
}

/**
 * Flood control in socket mode: with Burst=1, the same program crashes 1 + k
 * times against one manager; the first core is stored, the rest suppressed
 * (the kernel is told COREDUMP_REJECT, or the dump is cut short after its
 * notes before Linux 6.19). Each batch has a fresh storage directory, so a fresh
 * state file (coredump-ts.ratelimit in it), removed after, and its entries go to
 * a journald namespace of the bench's own, not the machine's journal.
 */
export async function runFloodBatch(ctx, mib, k) {
  const root = floodConfigRoot(ctx.tmp, '1h', 1);
  const storage = `${ctx.storage}-flood`;
  const removeAll = () => {
    rmSync(storage, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  };
  const unregister = onCleanup(removeAll);
  rmSync(storage, { recursive: true, force: true });
  mkdirSync(storage, { recursive: true });
  const socketPath = `${ctx.tmp}/kernel.sock`;
  const ns = await startBenchJournal('cdtsflood');
  const unregisterNs = onCleanup(() => {
    ns.stopNow();
  });
  const mgr = await startManager({
    socketPath,
    env: {
      COREDUMP_TS_STORAGE: storage,
      COREDUMP_TS_CONFIG_ROOT: root,
      COREDUMP_TS_JOURNAL_SOCKET: ns.socketPath,
    },
    logFile: managerLog(ctx),
    prefix: ctx.managerPrefix,
  });
  const crashes = [];
  try {
    for (let i = 0; i <= k; i++) {
      const crasher = startCrasher(ctx.crasher, mib, 'touch');
      await crasher.ready;
      // The replacement worker of the previous crash has finished starting.
      await mgr.settled();
      const r = { i, pid: crasher.pid };
      const logFrom = logSize(ctx);
      const entry = await withKernelSettings(
        { corePattern: `@@${socketPath}`, corePipeLimit: String(ctx.pipeLimit) },
        () => crashIntoManager(ctx, mgr, crasher, r, logFrom, ns.name),
      );
      if (entry !== undefined) {
        r.stored = entry.filename !== undefined && existsSync(entry.filename);
        r.rateLimited = entry.rateLimited;
        if (entry.filename !== undefined) rmSync(entry.filename, { force: true });
      }
      crashes.push(r);
    }
  } finally {
    await mgr.stop();
    await ns.stop();
    unregisterNs();
    removeAll();
    unregister();
  }
  return crashes;
}
