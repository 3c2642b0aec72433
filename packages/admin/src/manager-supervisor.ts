// The collector's socket mode: it holds the listening socket the kernel
// connects to (the role systemd's fd store plays for systemd-coredumpd.service)
// and runs `coredumpd --manager` with it as LISTEN_FDS. A manager that dies
// (SIGKILL, a crash) is restarted with the same socket, so a crash arriving
// meanwhile waits in the backlog and is served by the next manager. Only when
// it keeps dying does the supervisor give up, and the collector then puts the
// kernel settings back before anything else.
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';

import { FdWatcher, bind, close, listenStream, recvmsgSync, socket } from '@coredump-ts/unix';

import { AdminError } from './errors.js';

export interface SupervisorOptions {
  nodePath: string;
  /** coredumpd's dist/main.cjs */
  coredumpd: string;
  socketPath: string;
  env: NodeJS.ProcessEnv;
  /** A line for the collector's output. */
  note(line: string): void;
  /** The manager keeps dying: restore the kernel settings now. */
  onGiveUp(): void;
}

const READY_DEADLINE_MS = 15_000;
/** More restarts than this within RESTART_WINDOW_MS: give up (systemd's StartLimitBurst). */
const RESTART_BURST = 5;
const RESTART_WINDOW_MS = 10_000;
/** The manager waits for running workers, each killed after 5 min. */
const STOP_DEADLINE_MS = 6 * 60_000;

export class ManagerSupervisor {
  readonly #opts: SupervisorOptions;
  #listenFd: number | undefined;
  #notifyFd: number | undefined;
  #notifyWatcher: FdWatcher | undefined;
  #notifyPath: string;
  #child: ChildProcess | undefined;
  #stopping = false;
  #restarts: number[] = [];
  #ready: (() => void) | undefined;

  constructor(opts: SupervisorOptions) {
    this.#opts = opts;
    // Abstract (@): nothing to clean up on disk.
    this.#notifyPath = `@coredump-ts/collector/notify/${String(process.pid)}`;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Creates the socket, starts the manager and waits for its READY=1. */
  async start(): Promise<void> {
    this.#listenFd = listenStream(this.#opts.socketPath);
    const notifyFd = socket('dgram');
    this.#notifyFd = notifyFd;
    bind(notifyFd, this.#notifyPath);
    this.#notifyWatcher = new FdWatcher(notifyFd, () => {
      this.#readNotification(notifyFd);
    });
    this.#notifyWatcher.start();
    const ready = new Promise<void>((resolve) => {
      this.#ready = resolve;
    });
    this.#spawn();
    const timer = setTimeout(() => this.#ready?.(), READY_DEADLINE_MS);
    await ready;
    clearTimeout(timer);
    if (this.#child === undefined || this.#child.exitCode !== null) {
      throw new AdminError('ERR_START_FAILED', 'coredumpd --manager did not start');
    }
  }

  #readNotification(fd: number): void {
    let text: string;
    try {
      const m = recvmsgSync(fd, { timeoutMs: 0 });
      for (const extra of m.fds) close(extra); // FDSTORE=1: we hold the socket already
      text = m.data.toString();
    } catch {
      return; // nothing queued after all
    }
    if (text.split('\n').includes('READY=1')) this.#ready?.();
  }

  #spawn(): void {
    const { nodePath, coredumpd, env } = this.#opts;
    // LISTEN_PID must be the manager's pid: the shell sets it to its own, then execs.
    const child = spawn(
      '/bin/sh',
      ['-c', 'LISTEN_PID=$$ exec "$0" "$@"', nodePath, coredumpd, '--manager'],
      {
        env: {
          ...env,
          COREDUMP_TS_KERNEL_SOCKET: this.#opts.socketPath,
          LISTEN_FDS: '1',
          LISTEN_FDNAMES: 'coredump-socket',
          NOTIFY_SOCKET: this.#notifyPath,
        },
        stdio: ['ignore', 'inherit', 'inherit', this.#listenFd ?? 'ignore'],
        // Its own process group: a terminal's Ctrl-C reaches the collector only,
        // which restores core_pattern first and then stops the manager; the
        // workers (in the manager's group) finish the crashes they hold.
        detached: true,
      },
    );
    child.on('error', () => undefined); // surfaces as the exit below
    child.once('exit', (code, signal) => {
      this.#onExit(child, code, signal);
    });
    this.#child = child;
  }

  #onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#child !== child) return;
    this.#child = undefined;
    if (this.#stopping) return;
    const how = signal !== null ? `by ${signal}` : `with status ${String(code)}`;
    const now = Date.now();
    this.#restarts = [...this.#restarts.filter((t) => now - t < RESTART_WINDOW_MS), now];
    if (this.#restarts.length > RESTART_BURST) {
      this.#opts.note(`coredumpd --manager ended ${how} too often: giving up`);
      this.#opts.onGiveUp();
      this.#ready?.();
      return;
    }
    this.#opts.note(`coredumpd --manager ended ${how}: restarting it on the same socket`);
    this.#spawn();
  }

  /** SIGTERM to the manager, which waits for its running workers. Call after the kernel settings are back. */
  async stop(): Promise<void> {
    this.#stopping = true;
    const child = this.#child;
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_DEADLINE_MS);
      await exited;
      clearTimeout(timer);
    }
    this.#child = undefined;
    if (this.#listenFd !== undefined) close(this.#listenFd);
    this.#listenFd = undefined;
    this.#notifyWatcher?.close();
    this.#notifyWatcher = undefined;
    if (this.#notifyFd !== undefined) close(this.#notifyFd);
    this.#notifyFd = undefined;
    rmSync(this.#opts.socketPath, { force: true });
  }

  /** Synchronous, for 'exit': the manager must not outlive the collector. */
  killNow(): void {
    this.#stopping = true;
    if (this.#child?.exitCode === null) this.#child.kill('SIGTERM');
  }
}
