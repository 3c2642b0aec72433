// Socket mode for the bench: our resident manager (`coredumpd --manager`, as
// `coredump-ts collect --mode=socket` and the systemd-coredumpd.service unit
// run it) on a bench-private listening socket, storing into a bench-private
// directory. It creates the socket itself (no LISTEN_FDS) and keeps its idle
// worker(s) started; startManager() resolves only once the socket exists and
// every idle worker has finished starting (its CPU time stopped moving), so a
// crash timed after it pays neither start-up.
//
// The workers are the manager's children, not rusage-wrap's, so their CPU is
// read from the manager's /proc/<pid>/stat cutime+cstime (the CPU of the
// children it has reaped, theirs included), and a worker's peak RSS from its
// own VmHWM, sampled while it runs (a high-water mark, so the last sample
// before it exits is the peak up to ~10 ms before its end).
import { spawn } from 'node:child_process';
import { openSync, closeSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

import { onCleanup } from './cleanup.mjs';
import { alive, procChildren, procMemory, procStat, ticksToMs } from './proc.mjs';

export const COREDUMPD = fileURLToPath(
  new URL('../../packages/coredumpd/dist/main.cjs', import.meta.url),
);

const isSocket = (path) => {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
};

const cpuTicks = (s) => (s === undefined ? 0 : s.utime + s.stime);

/**
 * Start the manager. env: extra environment for it and its workers
 * (COREDUMP_TS_STORAGE, COREDUMP_TS_CONFIG_ROOT, COREDUMP_TS_LIBDW...).
 * logFile: where its and its workers' stderr go. prefix: see below.
 */
export async function startManager({
  socketPath,
  env = {},
  logFile,
  idleWorkers = 1,
  prefix = [],
}) {
  rmSync(socketPath, { force: true });
  const log = logFile === undefined ? 'ignore' : openSync(logFile, 'a');
  // Not the bench's own unit's: the manager would send READY=1 there or adopt fds.
  const ownUnitOnly = new Set(['NOTIFY_SOCKET', 'LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES']);
  const childEnv = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !ownUnitOnly.has(k)),
  );
  // prefix: a command that execs the rest (the same pid), such as --hide-debuginfo's.
  const argv = [...prefix, process.execPath, COREDUMPD, '--manager'];
  const child = spawn(argv[0], argv.slice(1), {
    env: {
      ...childEnv,
      ...env,
      COREDUMP_TS_KERNEL_SOCKET: socketPath,
      COREDUMP_TS_IDLE_WORKERS: String(idleWorkers),
    },
    stdio: ['ignore', log, log],
  });
  if (typeof log === 'number') closeSync(log);
  const pid = child.pid;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  /** Every worker pid seen, so that none outlives the bench. */
  const seen = new Set();
  const workers = () => {
    const now = procChildren(pid);
    for (const w of now) seen.add(w);
    return now;
  };
  let stopped = false;
  const killAll = () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGKILL');
    for (const w of [...seen, ...procChildren(pid)]) {
      try {
        process.kill(w, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    rmSync(socketPath, { force: true });
  };
  const unregister = onCleanup(killAll);

  const handle = {
    pid,
    workers,
    /** CPU ticks of the workers the manager has reaped so far (their children included). */
    reapedCpuTicks: () => {
      const s = procStat(pid);
      return s === undefined ? 0 : s.cutime + s.cstime;
    },
    /** The manager's own CPU ticks. */
    ownCpuTicks: () => cpuTicks(procStat(pid)),
    /** Waits until `idleWorkers` workers run and none of them used CPU for settleMs. */
    async settled(settleMs = 300, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let last = '';
      let since = Date.now();
      for (;;) {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`coredumpd --manager exited early (see ${logFile ?? 'its stderr'})`);
        }
        const ws = isSocket(socketPath) ? workers() : [];
        const key =
          ws.length >= idleWorkers
            ? ws.map((w) => `${w}:${cpuTicks(procStat(w))}`).join(',') +
              `|${cpuTicks(procStat(pid))}`
            : '';
        if (key !== '' && key === last) {
          if (Date.now() - since >= settleMs) return ws;
        } else {
          last = key;
          since = Date.now();
        }
        if (Date.now() > deadline) throw new Error('coredumpd --manager did not settle');
        await sleep(20);
      }
    },
    /** SIGTERM (stops accepting, retires idle workers, waits for busy ones), then SIGKILL leftovers. */
    async stop() {
      workers();
      if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGTERM');
      const timer = setTimeout(() => killAll(), 60_000);
      await exited;
      clearTimeout(timer);
      killAll();
      unregister();
    },
  };
  try {
    await handle.settled();
  } catch (error) {
    killAll();
    unregister();
    throw error;
  }
  return handle;
}

/**
 * Follow one worker until it has been reaped: its VmHWM sampled every 10 ms
 * while it runs. Resolves with { peakKiB } (undefined if never sampled).
 */
export async function followWorker(pid, timeoutMs = 300_000) {
  let peakKiB;
  const deadline = Date.now() + timeoutMs;
  while (alive(pid) && Date.now() < deadline) {
    const m = procMemory(pid);
    if (m?.hwmKiB !== undefined) peakKiB = Math.max(peakKiB ?? 0, m.hwmKiB);
    await sleep(10);
  }
  return { peakKiB, reaped: !alive(pid) };
}

export { ticksToMs };
