// The manager's settings: systemd 262's fixed values (socket path, 8 workers,
// 5 min) as defaults, each overridable from the environment for tests and for
// machines without systemd (documented in docs/paths.md).
import { CoredumpError, withoutUnusedNodeEnv } from '@coredump-ts/protocol';

import { KERNEL_SOCKET_PATH } from './listener.js';

export interface ManagerOptions {
  socketPath: string;
  idleWorkers: number;
  maxWorkers: number;
  workerTimeoutUsec: number;
  /** The program and arguments that start one worker. */
  workerCommand: string;
  workerArgs: string[];
  configRoot: string;
}

/** COREDUMP_SOCKET_MAX_WORKERS in systemd 262. */
export const MAX_WORKERS = 8;
/** Idle workers kept started (issue 17: default 1). */
export const IDLE_WORKERS = 1;
/** A worker running longer than this is killed (systemd 262: 5 min). */
export const WORKER_TIMEOUT_USEC = 5 * 60 * 1_000_000;

function count(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > 1_000_000) {
    throw new CoredumpError('ERR_USAGE', `${name}=${text}: expected an integer >= ${String(min)}`);
  }
  return n;
}

/**
 * Node flags of a pre-started worker, for the one crash it handles (docs/performance.md,
 * "Latest run (commit eef4c4a)"); the manager's own execArgv come after them and can undo them.
 * - `--no-lazy`: V8 compiles a function the first time it runs, and the worker runs its
 *   crash path once, so every function of that path was parsed and compiled while the
 *   crash waited. Now the whole bundle is compiled at start-up, before any crash: ~10
 *   ms more start-up and ~1.4 MiB more RSS, off the crash path.
 * - `--min-semi-space-size=8` (MiB): the young generation the worker starts with filled
 *   up during every crash, and the scavenge that followed took 3-4 ms of it. The idle
 *   worker's RSS does not change (the space is reserved, not touched).
 */
export const WORKER_V8_FLAGS: readonly string[] = ['--no-lazy', '--min-semi-space-size=8'];

/**
 * `entry` is this binary (dist/main.cjs): workers are `node --no-lazy [execArgv] entry
 * --worker` unless COREDUMP_TS_COREDUMPD_WORKER names another script (tests).
 */
export function managerOptionsFromEnv(
  env: NodeJS.ProcessEnv,
  entry: string,
  execArgv: readonly string[] = process.execArgv,
): ManagerOptions {
  const script = env['COREDUMP_TS_COREDUMPD_WORKER'];
  const useOwn = script === undefined || script === '';
  return {
    socketPath: env['COREDUMP_TS_KERNEL_SOCKET'] || KERNEL_SOCKET_PATH,
    idleWorkers: count(env, 'COREDUMP_TS_IDLE_WORKERS', IDLE_WORKERS, 0),
    maxWorkers: count(env, 'COREDUMP_TS_MAX_WORKERS', MAX_WORKERS, 1),
    workerTimeoutUsec: count(env, 'COREDUMP_TS_WORKER_TIMEOUT_USEC', WORKER_TIMEOUT_USEC, 1),
    workerCommand: process.execPath,
    workerArgs: [...WORKER_V8_FLAGS, ...execArgv, useOwn ? entry : script, '--worker'],
    configRoot: env['COREDUMP_TS_CONFIG_ROOT'] || '/',
  };
}

/** What the manager's own unit passes and a worker must not inherit. */
const MANAGER_ONLY_ENV: ReadonlySet<string> = new Set([
  'NOTIFY_SOCKET',
  'WATCHDOG_USEC',
  'WATCHDOG_PID',
  'LISTEN_PID',
  'LISTEN_FDS',
  'LISTEN_FDNAMES',
]);

/**
 * What a worker inherits: ours, without what belongs to the manager's own unit
 * and without UNUSED_NODE_ENV (a worker started with NODE_EXTRA_CA_CERTS spends
 * 50-60 ms of CPU on a CA store, on a core the crash is using).
 */
export function workerEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(withoutUnusedNodeEnv(env)).filter(([name]) => !MANAGER_ONLY_ENV.has(name)),
  );
}
