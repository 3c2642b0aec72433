// `--manager` (spec §2.4, coredump_manager): the resident process behind
// core_pattern `@@/run/systemd/coredumpd/kernel`. It accepts each kernel
// connection and hands it to a worker started ahead of time (pool.ts), keeps at
// most maxWorkers busy (at the cap it stops watching the socket and further
// connections wait in the backlog), reloads coredump.conf on SIGHUP, and on
// SIGTERM/SIGINT stops accepting and waits for the running workers.
import { loadConfig, formatDiagnostic } from '@coredump-ts/config';
import { FdWatcher, acceptSync, close, configFs, isSysError } from '@coredump-ts/unix';

import { FDSTORE_NAME, openListener, takeStoredListener } from './listener.js';
import { type ManagerOptions, workerEnv } from './manager-options.js';
import { createSdNotify, monotonicUsec, watchdogIntervalMs } from './notify.js';
import { type ManagerLog, WorkerPool } from './pool.js';

/** After an accept() failure other than "nothing waiting" (EMFILE, ENOBUFS...). */
const ACCEPT_RETRY_MS = 1_000;

export interface ManagerHandle {
  /** Resolves with the exit status once stopped and every worker has exited. */
  readonly done: Promise<number>;
  /** SIGTERM's action. */
  stop(): void;
  /** SIGHUP's action. */
  reload(): void;
}

function loadAndReport(opts: ManagerOptions, log: ManagerLog): void {
  const { diagnostics } = loadConfig({ root: opts.configRoot, fs: configFs });
  for (const d of diagnostics) {
    if (d.level === 'debug') log.debug(formatDiagnostic(d));
    else log.warn(formatDiagnostic(d));
  }
}

/**
 * Starts the manager; signals are the caller's (runManager wires them). Takes
 * the listening socket from LISTEN_FDS (the fd store) or creates it and stores it.
 */
export function startManager(
  env: NodeJS.ProcessEnv,
  log: ManagerLog,
  opts: ManagerOptions,
): ManagerHandle {
  const notify = createSdNotify(env);
  const watchdogMs = watchdogIntervalMs(env, process.pid);
  const childEnv = workerEnv(env);
  loadAndReport(opts, log);

  const stored = takeStoredListener(env);
  for (const fd of stored.others) close(fd);
  let listenFd: number;
  if (stored.fd !== undefined) {
    listenFd = stored.fd;
    log.debug(`Using the listening socket from the fd store (fd ${String(listenFd)}).`);
  } else {
    listenFd = openListener(opts.socketPath);
    if (!notify.send(['FDSTORE=1', `FDNAME=${FDSTORE_NAME}`], [listenFd])) {
      log.debug('No fd store: a restart will create the socket again.');
    }
  }

  let stopping = false;
  let retry: NodeJS.Timeout | undefined;
  const status = (): void => {
    const state = stopping
      ? `Stopping, waiting for ${String(pool.busy)} worker(s)`
      : pool.canTakeConnection()
        ? 'Waiting for coredumps'
        : `At the limit of ${String(opts.maxWorkers)} workers, connections wait`;
    notify.send([`STATUS=${state} (${String(pool.busy)} running, ${String(pool.idle)} idle).`]);
  };
  const watch = (): void => {
    if (!stopping && retry === undefined && pool.canTakeConnection()) watcher.start();
    else watcher.stop();
  };
  const pool = new WorkerPool({
    command: opts.workerCommand,
    args: opts.workerArgs,
    env: childEnv,
    idleWorkers: opts.idleWorkers,
    maxWorkers: opts.maxWorkers,
    workerTimeoutUsec: opts.workerTimeoutUsec,
    log,
    onChange() {
      watch();
      status();
    },
  });

  /** `final`: one last pass at stop, for connections already queued (none come after). */
  const acceptAll = (final = false): void => {
    while ((final || !stopping) && pool.canTakeConnection()) {
      let conn: number;
      try {
        conn = acceptSync(listenFd, { timeoutMs: 0 });
      } catch (error) {
        if (isSysError(error) && error.code === 'ETIMEDOUT') break; // none waiting
        log.error(`Failed to accept a coredump connection: ${(error as Error).message}`);
        retry = setTimeout(() => {
          retry = undefined;
          watch();
        }, ACCEPT_RETRY_MS);
        break;
      }
      // In this mode the kernel gives no timestamp: the time of accept is the crash's.
      const pid = pool.handOff(conn, Date.now() * 1000);
      if (pid !== undefined) log.debug(`Connection handed to worker [${String(pid)}].`);
    }
    watch();
    status();
  };
  const watcher = new FdWatcher(listenFd, (errno) => {
    if (errno !== 0) log.error(`Polling the listening socket failed: errno ${String(errno)}`);
    acceptAll();
  });

  const watchdog =
    watchdogMs === undefined
      ? undefined
      : setInterval(() => notify.send(['WATCHDOG=1']), watchdogMs);

  let finish: (status: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => {
    finish = resolve;
  });

  pool.refill();
  watch();
  notify.send(['READY=1']);
  status();

  return {
    done,
    stop() {
      if (stopping) return;
      stopping = true;
      notify.send(['STOPPING=1']);
      watcher.close();
      // Whoever stops us has pointed core_pattern elsewhere first (the register
      // unit, the collector): what is queued now is all that will come. Serve it.
      acceptAll(true);
      if (retry !== undefined) clearTimeout(retry);
      status();
      void pool.close().then(() => {
        if (watchdog !== undefined) clearInterval(watchdog);
        close(listenFd); // the fd store (or the supervisor) keeps its own copy
        notify.close();
        finish(0);
      });
    },
    reload() {
      if (stopping) return;
      notify.send(['RELOADING=1', `MONOTONIC_USEC=${String(monotonicUsec())}`]);
      loadAndReport(opts, log);
      pool.replaceIdle();
      notify.send(['READY=1']);
      status();
    },
  };
}

/** The `--manager` mode: startManager with SIGTERM/SIGINT/SIGHUP wired. */
export async function runManager(
  env: NodeJS.ProcessEnv,
  log: ManagerLog,
  opts: ManagerOptions,
): Promise<number> {
  const manager = startManager(env, log, opts);
  const onStop = (): void => {
    manager.stop();
  };
  const onReload = (): void => {
    manager.reload();
  };
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  process.on('SIGHUP', onReload);
  try {
    return await manager.done;
  } finally {
    process.removeListener('SIGTERM', onStop);
    process.removeListener('SIGINT', onStop);
    process.removeListener('SIGHUP', onReload);
  }
}
