#!/usr/bin/node
// npm run bench: the same crashes handled several ways, in one run on one machine:
//   ours            pipe path: our handler in core_pattern, our worker under
//                   systemd-socket-activate
//   ours-notrace    the same with the worker's libdw unloadable (COREDUMP_TS_LIBDW=/nonexistent):
//                   no stack trace in the entry (issue 16's with/without)
//   socket          kernel coredump socket (issue 17): our resident manager
//                   (coredumpd --manager) on a bench socket, core_pattern `@@<socket>`,
//                   started per case before the cue, its idle worker already started
//   socket-notrace  the same with COREDUMP_TS_LIBDW=/nonexistent for its workers
//   systemd         systemd-coredump 252's handler and worker (when installed)
//   floor           core_pattern `|/bin/dd of=/dev/null bs=1M`: only draining the pipe
//   socket-floor    bench/lib/socket-floor.c draining the kernel socket (`@@<socket>`)
// plus a burst per core_pipe_limit, socket mode's idle cost, and flood control's
// suppressed crashes (issue 18), and prints medians and ratios next to issues 7,
// 16, 17 and 18's targets. Measures, asserts nothing. See docs/performance.md for
// what each figure means and how it is taken.
//
// Options: --sizes 1,64,512,2048  --fills touch,random  --runs 3
//          --only ours,ours-notrace,socket,socket-notrace,systemd,floor,socket-floor
//          --notrace-fills touch (fills the two -notrace methods run at)
//          --skip-systemd  --install-systemd
//          --startup-runs 15  --burst 64  --burst-limits 16,64  --skip-burst
//          --idle-seconds 10 (socket mode's idle window; 0 = skip)
//          --flood-mib 512  --flood-repeats 3 (suppressed crashes per batch; 0 = skip)
//          --libc6-dbg (install libc6-dbg for the run, removed afterwards if it was not there)
//          --hide-debuginfo (every worker, ours and systemd's, runs in a private mount
//                   namespace where /usr/lib/debug is an empty tmpfs: traces as if no
//                   debug package were installed; nothing outside changes)
//          --skip-coredumpctl (the 5,000-entry `list` timing, bench/coredumpctl-list.mjs)
//          --skip-exporter (the exporter's scrape timing, bench/exporter-scrape.mjs)
//          --json FILE (raw per-run results)
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';

import { socketActivate } from './lib/activate.mjs';
import { onCleanup } from './lib/cleanup.mjs';
import { startCrasher } from './lib/crash.mjs';
import { burstEntries, ensureJournald, recordEntry, requireJournald } from './lib/journal.mjs';
import { withKernelSettings } from './lib/kernel.mjs';
import { ensureLibc6Dbg, libc6DbgInstalled } from './lib/libc6-dbg.mjs';
import { crashOnCue, readRusage, rusageWrap } from './lib/native.mjs';
import {
  measureIdle,
  runFloodBatch,
  runSocketBurst,
  runSocketCase,
  runSocketFloorCase,
} from './lib/socket-cases.mjs';
import { machineCpu } from './lib/proc.mjs';
import { socketFloorBinary } from './lib/socket-floor.mjs';
import { createCompressor } from '../packages/pipeline/dist/compress.js';
import { fmt, fmtMiB, fmtMs, fmtRatio, median, ratio, table } from './lib/stats.mjs';

const { values: opt } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1,64,512,2048' },
    fills: { type: 'string', default: 'touch,random' },
    runs: { type: 'string', default: '3' },
    only: {
      type: 'string',
      default: 'ours,ours-notrace,socket,socket-notrace,systemd,floor,socket-floor',
    },
    'notrace-fills': { type: 'string', default: 'touch' },
    'idle-seconds': { type: 'string', default: '10' },
    'flood-mib': { type: 'string', default: '512' },
    'flood-repeats': { type: 'string', default: '3' },
    'libc6-dbg': { type: 'boolean', default: false },
    'hide-debuginfo': { type: 'boolean', default: false },
    'skip-systemd': { type: 'boolean', default: false },
    'install-systemd': { type: 'boolean', default: false },
    'startup-runs': { type: 'string', default: '15' },
    burst: { type: 'string', default: '64' },
    'burst-limits': { type: 'string', default: '16,64' },
    'skip-burst': { type: 'boolean', default: false },
    'skip-coredumpctl': { type: 'boolean', default: false },
    'skip-exporter': { type: 'boolean', default: false },
    json: { type: 'string' },
    // For experiments: another build of our worker, and extra environment for it.
    worker: { type: 'string' },
    'worker-env': { type: 'string', default: '' },
  },
});
const debuginfoHidden = opt['hide-debuginfo'];

const list = (s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
const SIZES = list(opt.sizes).map(Number);
const FILLS = list(opt.fills);
const RUNS = Number(opt.runs);
const STARTUP_RUNS = Number(opt['startup-runs']);
const BURST = Number(opt.burst);
const BURST_LIMITS = list(opt['burst-limits']).map(Number);
const PIPE_LIMIT = 16; // systemd's sysctl.d/50-coredump.conf value
const NOTRACE_FILLS = list(opt['notrace-fills']);
const IDLE_SECONDS = Number(opt['idle-seconds']);
const FLOOD_MIB = Number(opt['flood-mib']);
const FLOOD_REPEATS = Number(opt['flood-repeats']);
/** The worker's libdw cannot be loaded: the trace step runs up to its dlopen and gives up. */
const NO_LIBDW = { COREDUMP_TS_LIBDW: '/nonexistent' };

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HANDLER = `${ROOT}packages/handler/dist/main.cjs`;
const WORKER = opt.worker ?? `${ROOT}packages/worker/dist/main.cjs`;
const WORKER_ENV = Object.fromEntries(
  list(opt['worker-env']).map((kv) => [
    kv.slice(0, kv.indexOf('=')),
    kv.slice(kv.indexOf('=') + 1),
  ]),
);
const SD_BIN = '/lib/systemd/systemd-coredump';
const SD_SOCKET = '/run/systemd/coredump';
const NODE = process.execPath;

if (process.getuid?.() !== 0) {
  console.error('bench: needs root (core_pattern, socket activation, storage)');
  process.exit(1);
}

// ---- setup: temp dir, wrappers, storage --------------------------------------------------
if (opt['install-systemd'] && !existsSync(SD_BIN)) {
  // Its postinst applies sysctl.d/50-coredump.conf: put core_pattern & co back afterwards.
  await withKernelSettings({}, async () => {
    execFileSync('apt-get', ['install', '-y', 'systemd-coredump'], { stdio: 'inherit' });
  });
}
let methods = list(opt.only);
const notes = [];
const KNOWN = [
  'ours',
  'ours-notrace',
  'socket',
  'socket-notrace',
  'systemd',
  'floor',
  'socket-floor',
];
for (const m of methods.filter((x) => !KNOWN.includes(x))) {
  console.error(`bench: --only ${m}: unknown method (known: ${KNOWN.join(', ')})`);
  process.exit(2);
}
if (opt['libc6-dbg'] && debuginfoHidden) {
  console.error('bench: --libc6-dbg and --hide-debuginfo contradict each other');
  process.exit(2);
}
const libc6Dbg = opt['libc6-dbg'] ? ensureLibc6Dbg() : undefined;
const libc6DbgLine = `libc6-dbg: ${libc6DbgInstalled() ? 'installed' : 'not installed'}${
  libc6Dbg === undefined ? '' : ` (${libc6Dbg})`
}${debuginfoHidden ? ', hidden: /usr/lib/debug is empty for every worker (--hide-debuginfo)' : ''}`;
if (opt['skip-systemd']) methods = methods.filter((m) => m !== 'systemd');
if (methods.includes('systemd') && !existsSync(SD_BIN)) {
  notes.push(`systemd-coredump is not installed (${SD_BIN}); use --install-systemd`);
  methods = methods.filter((m) => m !== 'systemd');
}

const TMP = mkdtempSync('/tmp/cdts-bench-');
chmodSync(TMP, 0o755);
const OUT = `${TMP}/out`;
mkdirSync(OUT);
const OUR_STORAGE = `/var/lib/coredump-ts-bench.${process.pid}`;
const OUR_SOCKET = `/run/coredump-ts-bench.${process.pid}.sock`;
onCleanup(() => rmSync(TMP, { recursive: true, force: true }));
onCleanup(() => rmSync(OUR_STORAGE, { recursive: true, force: true }));
// Our workers' debuginfo cache, shared by every row of this run (so only the first crash
// that needs a debug file makes its copy) and gone with TMP: the machine's stays as it was.
const OUR_DEBUGINFO_CACHE = `${TMP}/debuginfo`;
WORKER_ENV.COREDUMP_TS_DEBUGINFO_CACHE ??= OUR_DEBUGINFO_CACHE;
// Every manager and worker the bench starts inherits it, whatever env a case builds.
process.env.COREDUMP_TS_DEBUGINFO_CACHE = WORKER_ENV.COREDUMP_TS_DEBUGINFO_CACHE;
await ensureJournald();

const RW = rusageWrap();
const CRASHER = crashOnCue();
const wrapper = (name, lines) => {
  const path = `${TMP}/${name}`;
  writeFileSync(path, `#!/bin/sh\n${lines.join('\n')}\n`);
  chmodSync(path, 0o755);
  return path;
};
// --hide-debuginfo: what the workers (and socket mode's manager) are started through.
const HIDE = debuginfoHidden
  ? [
      wrapper('hide-debuginfo', [
        '# exec "$@" in a private mount namespace where /usr/lib/debug is empty',
        `exec unshare --mount --propagation private sh -c 'mount -t tmpfs -o ro,mode=0755 none /usr/lib/debug && exec "$@"' hide-debuginfo "$@"`,
      ]),
    ]
  : [];
const SOCKET_CTX = {
  crasher: CRASHER,
  floorBinary: socketFloorBinary(),
  tmp: TMP,
  pipeLimit: PIPE_LIMIT,
  storage: OUR_STORAGE,
  managerPrefix: HIDE,
};
// The kernel runs these as core_pattern helpers; each execs rusage-wrap, which
// forks the real handler and records its wall time, CPU, peak RSS and I/O.
const H_OURS = wrapper('h-ours', [
  `export COREDUMP_TS_SOCKET=${OUR_SOCKET} COREDUMP_TS_STORAGE=${OUR_STORAGE} COREDUMP_TS_DEBUGINFO_CACHE=${WORKER_ENV.COREDUMP_TS_DEBUGINFO_CACHE}`,
  `exec ${RW} ${OUT}/handler ${NODE} ${HANDLER} "$@"`,
]);
const H_SD = wrapper('h-sd', [`exec ${RW} ${OUT}/handler ${SD_BIN} "$@"`]);

const oursPipe = (env) => ({
  corePattern: `|${H_OURS} %P %u %g %s %t %c %h %d %F %I`,
  activate: {
    socketPath: OUR_SOCKET,
    command: [RW, `${OUT}/worker`, ...HIDE, NODE, WORKER],
    env: { ...WORKER_ENV, ...env, COREDUMP_TS_STORAGE: OUR_STORAGE },
  },
});
const METHODS = {
  ours: oursPipe({}),
  'ours-notrace': oursPipe(NO_LIBDW),
  socket: { socket: { env: { ...WORKER_ENV } } },
  'socket-notrace': { socket: { env: { ...WORKER_ENV, ...NO_LIBDW } } },
  'socket-floor': { socketFloor: true },
  systemd: {
    corePattern: `|${H_SD} %P %u %g %s %t 9223372036854775808 %h %d`,
    activate: { socketPath: SD_SOCKET, command: [RW, `${OUT}/worker`, ...HIDE, SD_BIN] },
  },
  floor: { corePattern: '|/bin/dd of=/dev/null bs=1M' },
};

const rusageFiles = (prefix) =>
  readdirSync(OUT)
    .filter((f) => f.startsWith(`${prefix}.`))
    .map((f) => readRusage(`${OUT}/${f}`));
const clearOut = () => {
  for (const f of readdirSync(OUT)) rmSync(`${OUT}/${f}`);
};
const waitUntil = async (cond, timeoutMs) => {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
};

/** systemd's worker needs /run/systemd/coredump: use it only if nobody else does. */
async function systemdSocketFree() {
  return waitUntil(() => !existsSync(SD_SOCKET), 30_000);
}

/** Uncompressed size of a stored core (zstd/xz/lz4 by suffix), for the compression ratio. */
function uncompressedSize(path) {
  const tool = path.endsWith('.zst')
    ? ['zstd', '-dc']
    : path.endsWith('.xz')
      ? ['xz', '-dc']
      : path.endsWith('.lz4')
        ? ['lz4', '-dc']
        : undefined;
  if (tool === undefined) return Promise.resolve(statSync(path).size);
  return new Promise((resolve) => {
    const child = spawn(tool[0], [...tool.slice(1), path], { stdio: ['ignore', 'pipe', 'ignore'] });
    let n = 0;
    child.stdout.on('data', (b) => (n += b.length));
    child.on('close', () => resolve(n));
    child.on('error', () => resolve(undefined));
  });
}

const coreSizeCache = new Map(); // `${mib}/${fill}` -> bytes
const zstdCpuCache = new Map(); // `${mib}/${fill}` -> ms

/**
 * What zstd alone costs on a stored core, as the worker compresses (the pipeline's own
 * compressor: level 3, one thread, 1 MiB pushes): the time inside its calls, summed,
 * with `zstd -dc` feeding it. Part of issue 16's bound: any reader that also compresses
 * needs this much CPU on top of the floor's. Undefined when it cannot be read.
 */
function compressionTime(path) {
  return new Promise((resolve) => {
    const child = spawn('zstd', ['-dc', path], { stdio: ['ignore', 'pipe', 'ignore'] });
    const zstd = createCompressor();
    const sink = () => undefined;
    let inside = 0n;
    let pending = [];
    let held = 0;
    const push = (chunk) => {
      const t = process.hrtime.bigint();
      zstd.push(chunk, sink);
      inside += process.hrtime.bigint() - t;
    };
    child.stdout.on('data', (b) => {
      pending.push(b);
      held += b.length;
      if (held >= 1 << 20) {
        push(Buffer.concat(pending));
        pending = [];
        held = 0;
      }
    });
    child.on('close', (code) => {
      if (held > 0) push(Buffer.concat(pending));
      const t = process.hrtime.bigint();
      zstd.end(sink);
      inside += process.hrtime.bigint() - t;
      resolve(code === 0 ? Number(inside) / 1e6 : undefined);
    });
    child.on('error', () => resolve(undefined));
  });
}

// ---- one crash ------------------------------------------------------------------------
async function runCase(method, mib, fill) {
  const m = METHODS[method];
  if (m.socketFloor) return runSocketFloorCase(SOCKET_CTX, method, mib, fill);
  if (m.corePattern !== METHODS.floor.corePattern) await requireJournald();
  if (m.socket !== undefined)
    return finishCase(await runSocketCase(SOCKET_CTX, m.socket, method, mib, fill));
  const crasher = startCrasher(CRASHER, mib, fill);
  await crasher.ready; // the fill is done before the lock is taken
  if (method === 'systemd' && !(await systemdSocketFree())) {
    process.kill(crasher.pid, 'SIGKILL');
    return { skipped: `${SD_SOCKET} is in use by someone else` };
  }
  const result = { method, mib, fill, pid: crasher.pid };
  await withKernelSettings(
    { corePattern: m.corePattern, corePipeLimit: String(PIPE_LIMIT) },
    async () => {
      const act = m.activate === undefined ? undefined : await socketActivate(m.activate);
      try {
        clearOut();
        const cpu0 = machineCpu();
        const { t0Ns, t0RealUs } = crasher.fire();
        const exit = await crasher.exited;
        result.reapedMs = Number(exit.reapedNs - t0Ns) / 1e6;
        result.signal = exit.signal;
        // How busy the whole machine was meanwhile: the floor's own bound (issue 16).
        result.machineBusyMs = machineCpu().busyMs - cpu0.busyMs;
        result.cpus = cpu0.cpus;
        if (act !== undefined) {
          await recordEntry(result, crasher.pid, t0RealUs, () => rusageFiles('worker').length > 0);
          await waitUntil(
            () => rusageFiles('worker').length > 0 && rusageFiles('handler').length > 0,
            60_000,
          );
          const [h] = rusageFiles('handler');
          const [w] = rusageFiles('worker');
          result.handler = h;
          result.worker = w;
          if (h !== undefined) result.handlerStartMs = Number(h.startNs - t0Ns) / 1e6;
          if (w !== undefined) result.workerStartMs = Number(w.startNs - t0Ns) / 1e6;
        }
      } finally {
        await act?.stop();
      }
    },
  );
  return finishCase(result);
}

/** Sizes of the stored core (then removed) and bytes written, for the table. */
async function finishCase(result) {
  const { mib, fill } = result;
  if (result.filename !== undefined && existsSync(result.filename)) {
    const st = statSync(result.filename);
    result.storedBytes = st.size;
    // What the file occupies: its size rounded up to whole filesystem blocks,
    // the least a filesystem can write for it (write_bytes counts whole pages).
    result.allocatedBytes = st.blocks * 512;
    const key = `${mib}/${fill}`;
    if (!coreSizeCache.has(key)) coreSizeCache.set(key, await uncompressedSize(result.filename));
    result.coreBytes = coreSizeCache.get(key);
    if (mib >= 512 && result.filename.endsWith('.zst') && !zstdCpuCache.has(key)) {
      zstdCpuCache.set(key, await compressionTime(result.filename));
    }
    rmSync(result.filename, { force: true });
  }
  if (result.handler !== undefined && result.worker !== undefined) {
    result.writtenBytes = result.handler.writeBytes + result.worker.writeBytes;
    result.cancelledBytes = result.handler.cancelledWriteBytes + result.worker.cancelledWriteBytes;
  }
  return result;
}

// ---- burst ------------------------------------------------------------------------------
async function runBurst(method, limit, n) {
  const m = METHODS[method];
  await requireJournald();
  if (m.socket !== undefined) {
    const b = await runSocketBurst(SOCKET_CTX, m.socket, method, limit, n);
    b.overLimit = overLimitLines(b.pids);
    delete b.pids;
    return b;
  }
  const crashers = Array.from({ length: n }, () => startCrasher(CRASHER, 1, 'touch'));
  await Promise.all(crashers.map((c) => c.ready));
  if (method === 'systemd' && !(await systemdSocketFree())) {
    for (const c of crashers) process.kill(c.pid, 'SIGKILL');
    return { skipped: `${SD_SOCKET} is in use by someone else` };
  }
  const pids = new Set(crashers.map((c) => c.pid));
  const result = { method, limit, n };
  await withKernelSettings(
    { corePattern: m.corePattern, corePipeLimit: String(limit) },
    async () => {
      const act = await socketActivate(m.activate);
      try {
        clearOut();
        const t0s = crashers.map((c) => c.fire());
        const { t0RealUs } = t0s[0];
        await Promise.all(crashers.map((c) => c.exited));
        // Entries until all n are in, or nothing new for 5 s once every started worker is done.
        const { entries, lastMs } = await burstEntries(pids, t0RealUs, (got) => {
          const handlers = rusageFiles('handler').length;
          return rusageFiles('worker').length >= Math.min(handlers, got.length);
        });
        result.recorded = entries.length;
        result.lastMs = lastMs;
        result.handlers = rusageFiles('handler').length;
        result.workers = rusageFiles('worker').length;
        result.files = entries.map((e) => e.filename).filter((f) => f !== undefined);
      } finally {
        await act.stop();
      }
    },
  );
  for (const f of result.files) rmSync(f, { force: true });
  delete result.files;
  result.overLimit = overLimitLines(pids);
  return result;
}

/**
 * The kernel logs each dump it skips: "Pid N(comm) over core_pipe_limit" (older),
 * "coredump: N(comm): over core_pipe_limit, skipping core dump" (6.x).
 */
function overLimitLines(pids) {
  const kmsg = execFileSync('dmesg', { encoding: 'utf8', maxBuffer: 1 << 26 });
  return [...kmsg.matchAll(/(?:Pid |coredump: )(\d+)\([^)]*\):? over core_pipe_limit/g)].filter(
    (x) => pids.has(Number(x[1])),
  ).length;
}

// ---- the matrix -------------------------------------------------------------------------
const results = [];
const log = (s) => process.stderr.write(`${s}\n`);
for (const mib of SIZES) {
  for (const fill of FILLS) {
    for (let run = 1; run <= RUNS; run++) {
      for (const method of methods) {
        if (method.endsWith('-notrace') && !NOTRACE_FILLS.includes(fill)) continue;
        const r = await runCase(method, mib, fill);
        if (r.skipped !== undefined) {
          notes.push(`${method} ${mib} MiB ${fill}: skipped, ${r.skipped}`);
          continue;
        }
        results.push(r);
        for (const e of r.errors ?? []) notes.push(`${method} ${mib} MiB ${fill} run ${run}: ${e}`);
        log(
          `${method.padEnd(7)} ${String(mib).padStart(4)} MiB ${fill.padEnd(6)} run ${run}: ` +
            `entry ${fmtMs(r.entryMs)}, reaped ${fmtMs(r.reapedMs)}` +
            (r.worker
              ? `, worker ${fmt(r.worker.cpuMs)} ms CPU ${fmt(r.worker.maxRssKiB / 1024, 1)} MiB RSS`
              : '') +
            (r.storedBytes !== undefined ? `, stored ${fmtMiB(r.storedBytes)}` : '') +
            (r.handler && r.worker
              ? ` | handler ${fmt(r.handlerStartMs)}+${fmt(r.handler.wallMs)} ms, worker ` +
                `${fmt(r.workerStartMs)}+${fmt(r.worker.wallMs)} ms`
              : ''),
        );
      }
    }
  }
}

// Handler exec-to-exit on 1 MiB crashes, next to `node -e 0`, interleaved.
const startup = { handler: [], node: [] };
if (methods.includes('ours') && STARTUP_RUNS > 0) {
  for (let i = 0; i < STARTUP_RUNS; i++) {
    const r = await runCase('ours', 1, 'touch');
    if (r.handler !== undefined) startup.handler.push(r.handler.wallMs);
    clearOut();
    execFileSync(RW, [`${OUT}/node0`, NODE, '-e', '0']);
    startup.node.push(rusageFiles('node0')[0].wallMs);
    clearOut();
  }
  log(`handler exec-to-exit: ${startup.handler.map((x) => x.toFixed(0)).join(' ')} ms`);
  log(`node -e 0:            ${startup.node.map((x) => x.toFixed(0)).join(' ')} ms`);
}

const bursts = [];
if (!opt['skip-burst'] && BURST > 0) {
  for (const limit of BURST_LIMITS) {
    for (const method of methods.filter((x) => ['ours', 'systemd', 'socket'].includes(x))) {
      const b = await runBurst(method, limit, BURST);
      if (b.skipped !== undefined) notes.push(`burst ${method}: skipped, ${b.skipped}`);
      else {
        for (const e of b.errors ?? []) notes.push(`burst ${method} limit ${limit}: ${e}`);
        bursts.push(b);
        log(
          `burst ${method} core_pipe_limit=${limit}: ${b.recorded}/${b.n} recorded, last ${fmtMs(b.lastMs)}`,
        );
      }
    }
  }
}

// Socket mode's idle cost: the manager and its idle worker, nothing crashing.
let idle;
if (methods.includes('socket') && IDLE_SECONDS > 0) {
  idle = await measureIdle(SOCKET_CTX, IDLE_SECONDS);
  log(
    `socket idle: ${idle.processes} processes, RSS ${fmtMiB(idle.rssBytes)}, ` +
      `CPU ${fmt(idle.cpuMs)} ms in ${idle.seconds} s`,
  );
}

// Flood control (issue 18) in socket mode: 1 stored + FLOOD_REPEATS suppressed, RUNS batches.
const flood = [];
if (methods.includes('socket') && FLOOD_REPEATS > 0) {
  for (let run = 1; run <= RUNS; run++) {
    const batch = await runFloodBatch(SOCKET_CTX, FLOOD_MIB, FLOOD_REPEATS);
    flood.push(...batch);
    for (const c of batch) for (const e of c.errors ?? []) notes.push(`flood run ${run}: ${e}`);
    log(
      `flood ${FLOOD_MIB} MiB run ${run}: ` +
        batch
          .map(
            (c) =>
              `${c.stored ? 'stored' : c.rateLimited ? 'suppressed' : 'other'} ${fmtMs(c.entryMs)}`,
          )
          .join(', '),
    );
  }
}

// ---- report -----------------------------------------------------------------------------
const rowsFor = (method, mib, fill) =>
  results.filter((r) => r.method === method && r.mib === mib && r.fill === fill);
const med = (rs, f) => median(rs.map(f));
const summary = (method, mib, fill) => {
  const rs = rowsFor(method, mib, fill);
  if (rs.length === 0) return undefined;
  return {
    n: rs.length,
    entryMs: med(rs, (r) => r.entryMs),
    reapedMs: med(rs, (r) => r.reapedMs),
    handlerCpu: med(rs, (r) => r.handler?.cpuMs),
    handlerRss: med(rs, (r) => (r.handler ? r.handler.maxRssKiB * 1024 : undefined)),
    workerCpu: med(rs, (r) => r.worker?.cpuMs),
    workerRss: med(rs, (r) => (r.worker ? r.worker.maxRssKiB * 1024 : undefined)),
    written: med(rs, (r) => r.writtenBytes),
    cancelled: med(rs, (r) => r.cancelledBytes),
    stored: med(rs, (r) => r.storedBytes),
    allocated: med(rs, (r) => r.allocatedBytes),
    core: med(rs, (r) => r.coreBytes),
    truncated: rs.some((r) => r.truncated !== undefined),
    traced: rs.filter((r) => r.traced).length,
    helperMs: med(rs, (r) => r.helperMs),
    miniCore: med(rs, (r) => r.miniCoreBytes),
    cacheMs: med(rs, (r) => (r.cacheCopies === 0 ? r.cacheMs : undefined)),
    cacheColdMs: med(rs, (r) => (r.cacheCopies > 0 ? r.cacheMs : undefined)),
    hasEntries: rs.some((r) => r.entryMs !== undefined),
    machineBusyMs: med(rs, (r) => r.machineBusyMs),
    cpus: rs[0].cpus,
  };
};

const header = [
  'MiB',
  'fill',
  'way',
  'n',
  'crash->entry',
  'crash->reaped',
  'trace',
  'handler CPU',
  'handler RSS',
  'worker CPU',
  'worker RSS',
  'written',
  '(cancelled)',
  'stored',
  'core/stored',
  'written/stored',
  'written/on disk',
];
const rows = [header];
const S = {};
for (const mib of SIZES) {
  for (const fill of FILLS) {
    for (const method of methods) {
      const s = summary(method, mib, fill);
      if (s === undefined) continue;
      S[`${method}/${mib}/${fill}`] = s;
      rows.push([
        mib,
        fill,
        method,
        s.n,
        fmtMs(s.entryMs),
        fmtMs(s.reapedMs),
        s.hasEntries ? `${s.traced}/${s.n}` : '-',
        s.handlerCpu === undefined ? '-' : `${fmt(s.handlerCpu)} ms`,
        fmtMiB(s.handlerRss),
        s.workerCpu === undefined ? '-' : `${fmt(s.workerCpu)} ms`,
        fmtMiB(s.workerRss),
        fmtMiB(s.written),
        fmtMiB(s.cancelled),
        fmtMiB(s.stored) + (s.truncated ? ' (trunc)' : ''),
        fmtRatio(ratio(s.core, s.stored)),
        fmtRatio(ratio(s.written, s.stored)),
        fmtRatio(ratio(s.written, s.allocated)),
      ]);
    }
  }
}
console.log(
  `\nMedians of ${RUNS} run(s) per row; 2 shared cores, other work running: expect noise.`,
);
console.log(
  'crash->entry: journald receive time of the entry minus the moment the crash was cued;',
);
console.log(
  'crash->reaped: waitpid of the crashed process; floor = dd draining the pipe, socket-floor =',
);
console.log(
  'C draining the kernel socket (no entry); trace: entries whose MESSAGE has a stack trace.',
);
console.log(
  "socket rows: worker CPU from the manager's cutime+cstime once it reaped the worker (10 ms ticks),",
);
console.log('worker RSS its VmHWM sampled every 10 ms; the manager runs no handler.');
console.log(libc6DbgLine);
console.log(table(rows));

const targets = [['target', 'case', 'measured', 'goal', 'verdict']];
const verdict = (x, ok) => (x === undefined ? 'n/a' : ok ? 'met' : 'MISSED');
for (const mib of SIZES.filter((x) => x >= 512)) {
  for (const fill of FILLS) {
    const o = S[`ours/${mib}/${fill}`];
    const s = S[`systemd/${mib}/${fill}`];
    const f = S[`floor/${mib}/${fill}`];
    const rs = ratio(o?.entryMs, s?.entryMs);
    targets.push([
      'entry vs systemd',
      `${mib} ${fill}`,
      fmtRatio(rs),
      '<= 0.6x',
      verdict(rs, rs <= 0.6),
    ]);
    if (fill === 'touch') {
      const rf = ratio(o?.entryMs, f?.reapedMs);
      targets.push([
        'entry vs dd floor',
        `${mib} ${fill}`,
        fmtRatio(rf),
        '<= 1.3x',
        verdict(rf, rf <= 1.3),
      ]);
    }
  }
}
if (SIZES.includes(1)) {
  for (const fill of FILLS) {
    const r = ratio(S[`ours/1/${fill}`]?.entryMs, S[`systemd/1/${fill}`]?.entryMs);
    targets.push(['entry vs systemd', `1 ${fill}`, fmtRatio(r), '<= 1.5x', verdict(r, r <= 1.5)]);
  }
}
const oursRows = Object.entries(S).filter(([k]) => k.startsWith('ours/'));
const rssBySize = SIZES.map((mib) =>
  Math.max(...FILLS.map((f) => S[`ours/${mib}/${f}`]?.workerRss ?? 0)),
);
if (oursRows.length > 0) {
  const lo = Math.min(
    ...SIZES.map((mib) =>
      Math.min(...FILLS.map((f) => S[`ours/${mib}/${f}`]?.workerRss ?? Infinity)),
    ),
  );
  const hi = Math.max(...rssBySize);
  const flat = ratio(hi, lo);
  targets.push([
    'worker RSS largest/smallest',
    `${SIZES.join(',')} MiB`,
    fmtRatio(flat),
    '<= 1.2x',
    verdict(flat, flat <= 1.2),
  ]);
  targets.push([
    'worker RSS peak',
    'all',
    fmtMiB(hi),
    '< 100 MiB',
    verdict(hi, hi < 100 * (1 << 20)),
  ]);
  // Against the blocks the file occupies: a 17 KiB file is 5 written pages.
  const worst = Math.max(...oursRows.map(([, s]) => ratio(s.written, s.allocated) ?? 0));
  targets.push([
    'written/on disk (worst row)',
    'ours',
    fmtRatio(worst),
    '<= 1.1x',
    verdict(worst, worst <= 1.1),
  ]);
}
const hm = median(startup.handler);
const nm = median(startup.node);
if (hm !== undefined) {
  const r = ratio(hm, nm);
  targets.push([
    'handler exec-to-exit / node -e 0',
    `${startup.handler.length} runs`,
    `${fmt(hm)} ms / ${fmt(nm)} ms = ${fmtRatio(r)}`,
    '<= 1.5x',
    verdict(r, r <= 1.5),
  ]);
}
for (const b of bursts.filter((x) => x.method !== 'socket')) {
  targets.push([
    `burst ${b.method}`,
    `${b.n} x 1 MiB, core_pipe_limit=${b.limit}`,
    `${b.recorded}/${b.n} recorded, last at ${fmtMs(b.lastMs)}; ${b.handlers} helpers started, ` +
      `${b.overLimit} 'over core_pipe_limit' kmsg lines (rate-limited)`,
    `${b.n}/${b.n}`,
    b.method === 'ours' ? verdict(b.recorded, b.recorded === b.n) : '(reference)',
  ]);
}
console.log('\nTargets (issue 7), measured:');
console.log(table(targets));

// Issue 17: socket mode against systemd 252's pipe path and the socket floor.
const traceNote = (key) => {
  const x = S[key];
  return x === undefined || !x.hasEntries ? '' : ` (traces ${x.traced}/${x.n})`;
};
const t17 = [['target', 'case', 'measured', 'goal', 'verdict']];
if (SIZES.includes(1)) {
  for (const fill of FILLS) {
    const r = ratio(S[`socket/1/${fill}`]?.entryMs, S[`systemd/1/${fill}`]?.entryMs);
    t17.push([
      'socket entry vs systemd pipe',
      `1 ${fill}`,
      fmtRatio(r) + traceNote(`socket/1/${fill}`) + ` vs${traceNote(`systemd/1/${fill}`)}`,
      '<= 0.5x',
      verdict(r, r <= 0.5),
    ]);
  }
}
for (const mib of SIZES.filter((x) => x >= 512)) {
  const r = ratio(S[`socket/${mib}/touch`]?.entryMs, S[`socket-floor/${mib}/touch`]?.reapedMs);
  t17.push([
    'socket entry vs socket floor reaped',
    `${mib} touch`,
    fmtRatio(r),
    '<= 1.2x',
    verdict(r, r <= 1.2),
  ]);
}
for (const b of bursts.filter((x) => x.method === 'socket')) {
  t17.push([
    'burst socket',
    `${b.n} x 1 MiB, core_pipe_limit=${b.limit}`,
    `${b.recorded}/${b.n} recorded, last at ${fmtMs(b.lastMs)}; ` +
      `${b.overLimit} 'over core_pipe_limit' kmsg lines`,
    `${b.n}/${b.n}`,
    verdict(b.recorded, b.recorded === b.n),
  ]);
}
if (idle !== undefined) {
  t17.push([
    'idle RSS (manager + idle workers)',
    `${idle.processes} processes`,
    `${fmtMiB(idle.rssBytes)} (manager ${fmtMiB(idle.managerRssBytes)})`,
    '(report)',
    '-',
  ]);
  t17.push([
    'idle CPU',
    `${idle.seconds} s window${idle.sameProcesses ? '' : ', processes changed'}`,
    `${fmt(idle.cpuMs)} ms (manager ${fmt(idle.managerCpuMs)} ms) = ` +
      `${fmt(idle.cpuPercent, 2)}% of one core`,
    '~0',
    verdict(idle.cpuPercent, idle.cpuPercent < 0.5),
  ]);
}
if (t17.length > 1) {
  console.log('\nTargets (issue 17, kernel coredump socket), measured:');
  console.log(table(t17));
}

// Issue 16: the trace step's cost (with vs without libdw), and against systemd.
const t16 = [['target', 'case', 'measured', 'goal', 'verdict']];
for (const [way, without] of [
  ['ours', 'ours-notrace'],
  ['socket', 'socket-notrace'],
]) {
  for (const mib of SIZES) {
    for (const fill of NOTRACE_FILLS) {
      const a = S[`${way}/${mib}/${fill}`];
      const b = S[`${without}/${mib}/${fill}`];
      if (a === undefined || b === undefined) continue;
      const d =
        a.entryMs === undefined || b.entryMs === undefined ? undefined : a.entryMs - b.entryMs;
      t16.push([
        `trace step, ${way}`,
        `${mib} ${fill}`,
        `${fmtMs(a.entryMs)} with (${a.traced}/${a.n}) - ${fmtMs(b.entryMs)} without ` +
          `(${b.traced}/${b.n}) = ${d === undefined ? '-' : `${d.toFixed(0)} ms`}`,
        '<= 30 ms',
        verdict(d, d <= 30),
      ]);
    }
  }
}
// The same step as the socket worker timed it itself (spawn to exit of its
// helper): free of the two rows' noise, and it shows whether it grows with the core.
const helperRows = SIZES.map((mib) => [mib, S[`socket/${mib}/touch`]]).filter(
  ([, x]) => x?.helperMs !== undefined,
);
for (const [mib, x] of helperRows) {
  t16.push([
    'trace step, socket (worker-timed helper)',
    `${mib} touch`,
    `${fmtMs(x.helperMs)} (mini core ${fmtMiB(x.miniCore)})`,
    '<= 30 ms',
    verdict(x.helperMs, x.helperMs <= 30),
  ]);
}
// The cache step before the helper (as root): copies made on the first crash that needs
// a debug file, a few stat()s after that.
for (const [mib, x] of helperRows) {
  if (x.cacheMs === undefined && x.cacheColdMs === undefined) continue;
  t16.push([
    'debuginfo cache step, socket (worker-timed)',
    `${mib} touch`,
    `${x.cacheMs === undefined ? '-' : fmtMs(x.cacheMs)}` +
      (x.cacheColdMs === undefined ? '' : `; making copies ${fmtMs(x.cacheColdMs)}`),
    'in the step',
    '',
  ]);
}
if (helperRows.length > 1) {
  const [smallMib, small] = helperRows[0];
  const [bigMib, big] = helperRows.at(-1);
  const r = big.helperMs / small.helperMs;
  t16.push([
    'trace step grows with the core',
    `${bigMib} vs ${smallMib} touch`,
    `${r.toFixed(2)}x (${fmtMs(big.helperMs)} vs ${fmtMs(small.helperMs)})`,
    'no (<= 1.2x)',
    verdict(r, r <= 1.2),
  ]);
}
for (const way of ['ours', 'socket']) {
  for (const mib of SIZES.filter((x) => x >= 512)) {
    const r = ratio(S[`${way}/${mib}/touch`]?.entryMs, S[`systemd/${mib}/touch`]?.entryMs);
    t16.push([
      `${way} entry vs systemd`,
      `${mib} touch`,
      fmtRatio(r) + traceNote(`${way}/${mib}/touch`) + ` vs${traceNote(`systemd/${mib}/touch`)}`,
      '<= 0.4x',
      verdict(r, r <= 0.4),
    ]);
  }
}
// What no pipeline that compresses and traces can beat on this machine: the floor's
// wall time, or the machine's CPU during the floor (the kernel writing the core, dd
// reading it) plus zstd's own CPU on the same core, spread over every CPU, whichever is
// longer; then the stack helper, which needs the whole mini core, so it starts only
// once the stream has ended (its time as the socket worker measured it, when there).
for (const mib of SIZES.filter((x) => x >= 512)) {
  const floor = S[`floor/${mib}/touch`];
  const zstdMs = zstdCpuCache.get(`${mib}/touch`);
  const systemd = S[`systemd/${mib}/touch`]?.entryMs;
  if (floor?.machineBusyMs === undefined || zstdMs === undefined || systemd === undefined) continue;
  const stream = Math.max(floor.reapedMs, (floor.machineBusyMs + zstdMs) / floor.cpus);
  const helperMs = S[`socket/${mib}/touch`]?.helperMs;
  const bound = stream + (helperMs ?? 0);
  const busy = (100 * floor.machineBusyMs) / (floor.reapedMs * floor.cpus);
  t16.push([
    'lower bound: stream that compresses, then the helper',
    `${mib} touch`,
    `max(floor ${fmtMs(floor.reapedMs)}, (its machine CPU ${fmtMs(floor.machineBusyMs)}, ` +
      `${busy.toFixed(0)}% of ${String(floor.cpus)} CPUs, + zstd ${fmtMs(zstdMs)}) / ` +
      `${String(floor.cpus)}) = ${fmtMs(stream)}` +
      (helperMs === undefined ? ' (no helper time measured)' : ` + helper ${fmtMs(helperMs)}`) +
      ` = ${fmtMs(bound)} = ${fmtRatio(bound / systemd)} systemd`,
    '<= 0.4x possible?',
    bound <= 0.4 * systemd ? 'possible' : 'not here',
  ]);
}
if (t16.length > 1) {
  console.log(`\nTargets (issue 16, stack traces), measured; ${libc6DbgLine}:`);
  console.log(table(t16));
}

// Issue 18: a suppressed crash (kernel told COREDUMP_REJECT) against a stored one.
if (flood.length > 0) {
  const stored = flood.filter((c) => c.stored);
  const suppressed = flood.filter((c) => c.rateLimited && !c.stored);
  const ms = median(stored.map((c) => c.entryMs));
  const mx = median(suppressed.map((c) => c.entryMs));
  const r = ratio(mx, ms);
  const other = flood.length - stored.length - suppressed.length;
  console.log('\nTargets (issue 18, flood control in socket mode), measured:');
  console.log(
    table([
      ['target', 'case', 'measured', 'goal', 'verdict'],
      [
        'suppressed entry vs stored entry',
        `${FLOOD_MIB} MiB touch, Burst=1, ${RUNS} x (1 + ${FLOOD_REPEATS})`,
        `${fmtMs(mx)} (n=${suppressed.length}) / ${fmtMs(ms)} (n=${stored.length}) = ${fmtRatio(r)}` +
          (other > 0 ? `; ${other} neither stored nor marked suppressed` : '') +
          `; reaped ${fmtMs(median(suppressed.map((c) => c.reapedMs)))} vs ` +
          `${fmtMs(median(stored.map((c) => c.reapedMs)))}`,
        '< 0.1x',
        verdict(r, r < 0.1),
      ],
    ]),
  );
}
for (const n of notes) console.log(`note: ${n}`);
// Issue 6: `list` over 5,000 coredump entries, ours next to systemd's coredumpctl.
// It needs no kernel settings; it prints its own table.
if (!opt['skip-coredumpctl']) {
  console.log('\ncoredumpctl list, 5,000 entries:');
  spawnSync(process.execPath, [fileURLToPath(new URL('./coredumpctl-list.mjs', import.meta.url))], {
    stdio: 'inherit',
  });
}
// Issue 18: the exporter's scrape over 5,000 entries, first and after 10 new.
if (!opt['skip-exporter']) {
  console.log('\nexporter scrape, 5,000 entries:');
  spawnSync(process.execPath, [fileURLToPath(new URL('./exporter-scrape.mjs', import.meta.url))], {
    stdio: 'inherit',
  });
}
if (opt.json !== undefined) {
  writeFileSync(
    opt.json,
    JSON.stringify(
      { results, startup, bursts, idle, flood, notes },
      (_, v) => (typeof v === 'bigint' ? String(v) : v),
      2,
    ),
  );
}
