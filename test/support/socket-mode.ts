// Socket mode (core_pattern "@@<path>") as the manager runs it, for the tests:
// the test listens on a temp socket, accepts the kernel's connection, and hands
// it to a freshly spawned socket-mode worker over a SOCK_SEQPACKET socketpair,
// exactly as the manager will (JSON {acceptedUsec} + SCM_RIGHTS on fd 3).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { accept, bind, close, listen, sendmsg, socket, socketpair } from '@coredump-ts/unix';

export const SOCKET_WORKER = fileURLToPath(
  new URL('../fixtures/socket-worker.mjs', import.meta.url),
);
const COREDUMPD_DIST = fileURLToPath(
  new URL('../../packages/coredumpd/dist/index.js', import.meta.url),
);

export function requireBuiltCoredumpd(): void {
  if (!existsSync(COREDUMPD_DIST)) {
    throw new Error(`${COREDUMPD_DIST} is missing: run \`npx tsc -b packages/coredumpd\` first`);
  }
}

export interface WorkerRun {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

export interface StartedWorker {
  /** The manager's end of the channel (fd 3 in the worker). */
  readonly channel: number;
  readonly pid: number;
  readonly exited: Promise<WorkerRun>;
}

/** Spawn a pre-started socket-mode worker; it waits on fd 3 for one hand-off. */
export function startSocketWorker(env: Readonly<Record<string, string>>): StartedWorker {
  requireBuiltCoredumpd();
  const [ours, theirs] = socketpair('seqpacket');
  const child = spawn('/usr/bin/node', [SOCKET_WORKER], {
    stdio: ['ignore', 'ignore', 'pipe', theirs],
    env: { ...process.env, ...env },
  });
  close(theirs);
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (c: string) => (stderr += c));
  const exited = new Promise<WorkerRun>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status, signal) => {
      resolve({ status, signal, stderr });
    });
  });
  if (child.pid === undefined) throw new Error('could not start the socket worker');
  return { channel: ours, pid: child.pid, exited };
}

/** Hand one accepted connection to a worker (and give up our copies). */
export function handOff(worker: StartedWorker, conn: number, acceptedUsec: number): void {
  try {
    sendmsg(worker.channel, Buffer.from(JSON.stringify({ acceptedUsec })), { fds: [conn] });
  } finally {
    close(conn);
    close(worker.channel);
  }
}

export interface KernelSocket {
  readonly path: string;
  readonly fd: number;
  /** Accept the next connection, then hand it to a new worker; resolves with its run. */
  serveOne(env: Readonly<Record<string, string>>, timeoutMs?: number): Promise<WorkerRun>;
  close(): void;
}

/** A listening SOCK_STREAM socket at `path` for core_pattern "@@path". */
export function listenKernelSocket(path: string): KernelSocket {
  const fd = socket('stream');
  bind(fd, path);
  listen(fd, 64);
  return {
    path,
    fd,
    async serveOne(env, timeoutMs = 60_000) {
      // Pre-start, as the manager's pool does: the worker is loaded before the crash.
      const worker = startSocketWorker(env);
      let conn: number;
      try {
        conn = await accept(fd, { timeoutMs });
      } catch (error) {
        close(worker.channel); // the idle worker sees EOF and exits
        await worker.exited;
        throw error;
      }
      handOff(worker, conn, Date.now() * 1000);
      return worker.exited;
    },
    close() {
      close(fd);
    },
  };
}
