// The built coredumpd manager as a child process, for its component tests: a
// temp dir with the kernel socket path, a NOTIFY_SOCKET the test reads, and the
// test-only worker (test/fixtures/coredumpd/fake-worker.mjs) logging what it
// was given. Optionally the test holds the listening socket itself, as
// systemd's fd store or the collector does, and passes it with LISTEN_FDS.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type Socket, connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  bind,
  close,
  isSysError,
  listen,
  recvmsg,
  setNonBlocking,
  socket,
} from '@coredump-ts/unix';

import { waitFor } from './wait.js';

export const COREDUMPD = new URL('../../packages/coredumpd/dist/main.cjs', import.meta.url)
  .pathname;
export const FAKE_WORKER = new URL('../fixtures/coredumpd/fake-worker.mjs', import.meta.url)
  .pathname;

export function requireBuiltCoredumpd(): string {
  if (!existsSync(COREDUMPD)) throw new Error(`${COREDUMPD} is missing: run npm run build`);
  return COREDUMPD;
}

/** A NOTIFY_SOCKET of the test's own: every datagram, as received. */
export class NotifyReceiver {
  readonly path: string;
  readonly messages: string[] = [];
  readonly fds: number[] = [];
  readonly #fd: number;
  #open = true;
  readonly #loop: Promise<void>;

  constructor(path: string) {
    this.path = path;
    this.#fd = socket('dgram');
    bind(this.#fd, path);
    this.#loop = this.#read();
  }

  async #read(): Promise<void> {
    while (this.#open) {
      try {
        const m = await recvmsg(this.#fd, { timeoutMs: 100 });
        this.messages.push(m.data.toString());
        this.fds.push(...m.fds);
      } catch (error) {
        if (!isSysError(error) || error.code !== 'ETIMEDOUT') throw error;
      }
    }
  }

  /** Index of the first message after `from` containing `line`. */
  async waitFor(line: string, from = 0): Promise<number> {
    return waitFor(
      () => {
        const i = this.messages.findIndex((m, j) => j >= from && m.split('\n').includes(line));
        return i >= 0 ? i + 1 : undefined;
      },
      { what: `${line} on NOTIFY_SOCKET (got ${JSON.stringify(this.messages)})` },
    ).then((n) => n - 1);
  }

  async close(): Promise<void> {
    this.#open = false;
    await this.#loop;
    close(this.#fd);
    for (const fd of this.fds) close(fd);
  }
}

export interface ManagerProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

export interface ManagerFixture {
  readonly dir: string;
  readonly socketPath: string;
  readonly notify: NotifyReceiver;
  /** The fake worker's log: "start|got|done|eof|peer <pid> ..." lines. */
  log(): string[];
  /** pids with a given log verb. */
  pids(verb: string): number[];
  /** A listening socket held by the test (the fd store's role). */
  holdListener(): number;
  start(env?: Record<string, string>, opts?: { listenFd?: number }): ManagerProcess;
  close(): Promise<void>;
}

export function managerFixture(): ManagerFixture {
  requireBuiltCoredumpd();
  const dir = mkdtempSync(join(tmpdir(), 'coredumpd-'));
  const socketPath = join(dir, 'kernel');
  const notify = new NotifyReceiver(join(dir, 'notify'));
  const logPath = join(dir, 'workers.log');
  const processes: ManagerProcess[] = [];
  const held: number[] = [];
  const log = (): string[] =>
    existsSync(logPath) ? readFileSync(logPath, 'utf8').split('\n').filter(Boolean) : [];
  return {
    dir,
    socketPath,
    notify,
    log,
    pids: (verb) =>
      log()
        .filter((l) => l.startsWith(`${verb} `))
        .map((l) => Number(l.split(' ')[1])),
    holdListener() {
      const fd = socket('stream');
      bind(fd, socketPath);
      listen(fd, 128);
      setNonBlocking(fd, true);
      held.push(fd);
      return fd;
    },
    start(env = {}, { listenFd } = {}) {
      const base = {
        ...process.env,
        NOTIFY_SOCKET: notify.path,
        COREDUMP_TS_KERNEL_SOCKET: socketPath,
        COREDUMP_TS_COREDUMPD_WORKER: FAKE_WORKER,
        COREDUMP_TS_CONFIG_ROOT: dir,
        COREDUMP_TS_LOG_LEVEL: 'debug',
        FAKE_WORKER_LOG: logPath,
        ...env,
      };
      // LISTEN_PID must be the manager's own pid: set by the shell it execs from.
      const child =
        listenFd === undefined
          ? spawn(process.execPath, [COREDUMPD, '--manager'], {
              env: base,
              stdio: ['ignore', 'ignore', 'pipe'],
            })
          : spawn(
              '/bin/sh',
              ['-c', 'LISTEN_PID=$$ exec "$0" "$@"', process.execPath, COREDUMPD, '--manager'],
              {
                env: { ...base, LISTEN_FDS: '1', LISTEN_FDNAMES: 'coredump-socket' },
                stdio: ['ignore', 'ignore', 'pipe', listenFd],
              },
            );
      let err = '';
      child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
        (resolve) =>
          child.once('exit', (code, signal) => {
            resolve({ code, signal });
          }),
      );
      const p: ManagerProcess = { child, exited, stderr: () => err };
      processes.push(p);
      return p;
    },
    async close() {
      for (const p of processes) {
        if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
        await p.exited;
      }
      // Workers of a killed manager see EOF on their channel and exit; a hanging one is killed.
      for (const pid of new Set([...this.pids('start')])) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
      for (const fd of held) close(fd);
      await notify.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A client of the kernel socket (standing in for the kernel): resolves with the first line. */
export interface Client {
  readonly socket: Socket;
  readonly firstLine: Promise<string>;
  readonly closed: Promise<void>;
  hasReply(): boolean;
}

export function connectClient(path: string): Client {
  const socket = netConnect(path);
  let data = '';
  let replied = false;
  const firstLine = new Promise<string>((resolve, reject) => {
    socket.on('data', (b: Buffer) => {
      data += b.toString();
      const nl = data.indexOf('\n');
      if (nl >= 0 && !replied) {
        replied = true;
        resolve(data.slice(0, nl));
      }
    });
    socket.on('error', reject);
  });
  firstLine.catch(() => undefined);
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      resolve();
    }),
  );
  return { socket, firstLine, closed, hasReply: () => replied };
}
