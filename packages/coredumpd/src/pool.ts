// The manager's workers: processes started ahead of need, each given exactly
// one kernel connection and then left to finish alone.
//
// Contract with the worker (`<entry> --worker`, runSocketWorker): fd 3 is one
// end of a SOCK_SEQPACKET socketpair. When a connection arrives, the manager
// sends ONE datagram on it, payload JSON {"acceptedUsec": <CLOCK_REALTIME µs at
// accept>} with SCM_RIGHTS = [the accepted connection], then closes its own
// copy of the connection. The worker handles that one crash and exits. EOF on
// fd 3 without a datagram means "not needed any more": exit without doing
// anything (an idle worker being retired, or a manager that died). A datagram
// can be sent before the worker has even finished starting: it waits in the
// socketpair.
import { type ChildProcess, spawn } from 'node:child_process';
import { close, sendmsg, socketpair } from '@coredump-ts/unix';
import { constants } from 'node:os';

import { formatTimespan } from './timespan.js';

/** What the manager and the pool log through: the worker's logger fits. */
export interface ManagerLog {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export interface PoolOptions {
  /** Program and arguments of a worker (`node <coredumpd main.cjs> --worker`). */
  command: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  /** Idle workers kept ready. */
  idleWorkers: number;
  /** Workers at a time, idle ones included. */
  maxWorkers: number;
  /** A worker still busy after this long is SIGKILLed (5 min in systemd). */
  workerTimeoutUsec: number;
  log: ManagerLog;
  /** Called whenever a worker exits (the manager may accept again). */
  onChange(): void;
}

/**
 * After a hand-off, the replacement worker starts when the busy one exits, or
 * this long after the hand-off if it is still busy. Starting it at once made
 * it compete with the crash being handled: on the 2-core bench machine a
 * 1 MiB crash's entry came 30-50 ms later (198-219 ms against 166-167 ms, the
 * stack helper 140-147 ms against 112-113 ms), also under SCHED_IDLE, so the
 * contention is not only for CPU time. A connection that finds no idle worker
 * meanwhile is given a newly started one, as before.
 */
export const REFILL_DELAY_MS = 1_000;

/** An idle worker that dies this soon after start is failing to start: back off. */
const RESPAWN_BACKOFF_MS = 1_000;

type State = 'idle' | 'busy' | 'retiring';

interface Worker {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Our end of the socketpair; closed once the connection is handed over or the worker retires. */
  channel: number | undefined;
  state: State;
  timer: NodeJS.Timeout | undefined;
}

export class WorkerPool {
  readonly #opts: PoolOptions;
  readonly #workers = new Set<Worker>();
  #closed = false;
  #backoff: NodeJS.Timeout | undefined;
  /** A replacement held back while a worker is busy (#refillAfterHandOff). */
  #refillTimer: NodeJS.Timeout | undefined;
  #drained: (() => void) | undefined;

  constructor(opts: PoolOptions) {
    this.#opts = opts;
  }

  #count(state: State): number {
    let n = 0;
    for (const w of this.#workers) if (w.state === state) n++;
    return n;
  }

  get busy(): number {
    return this.#count('busy');
  }

  get idle(): number {
    return this.#count('idle');
  }

  /** Every worker process still running, retiring ones included. */
  get size(): number {
    return this.#workers.size;
  }

  /** Below the cap of busy workers: another connection can be handed over. */
  canTakeConnection(): boolean {
    return !this.#closed && this.busy < this.#opts.maxWorkers;
  }

  /** Starts idle workers until idleWorkers are ready, within the cap. */
  refill(): void {
    if (this.#refillTimer !== undefined) clearTimeout(this.#refillTimer);
    this.#refillTimer = undefined;
    if (this.#closed || this.#backoff !== undefined) return;
    const { idleWorkers, maxWorkers } = this.#opts;
    while (this.idle < idleWorkers && this.busy + this.idle < maxWorkers) {
      if (this.#start() === undefined) break;
    }
  }

  /**
   * Gives `conn` to an idle worker (a new one if none is ready) and closes our
   * copy. Returns the worker's pid, or undefined if no worker could take it
   * (then the connection is closed: the kernel sees EOF and the crash is lost,
   * which is logged).
   */
  handOff(conn: number, acceptedUsec: number): number | undefined {
    const payload = Buffer.from(JSON.stringify({ acceptedUsec }));
    try {
      // Bounded: a worker that died between start and send gives way to the next.
      for (let attempt = 0; attempt <= this.#opts.maxWorkers; attempt++) {
        const worker = this.#firstIdle() ?? this.#start();
        if (worker === undefined) break;
        if (this.#send(worker, payload, conn)) return worker.pid;
      }
      this.#opts.log.error('No worker could take the coredump connection, dropping it.');
      return undefined;
    } finally {
      close(conn);
      this.#refillAfterHandOff();
    }
  }

  /** refill() now when no worker is busy, else at the busy one's exit or REFILL_DELAY_MS. */
  #refillAfterHandOff(): void {
    if (this.busy === 0) {
      this.refill();
      return;
    }
    this.#refillTimer ??= setTimeout(() => {
      this.#refillTimer = undefined;
      this.refill();
      this.#opts.onChange();
    }, REFILL_DELAY_MS);
  }

  /** Idle workers are told to go (EOF on their channel, then SIGTERM); busy ones finish. */
  retireIdle(): void {
    for (const w of this.#workers) {
      if (w.state !== 'idle') continue;
      w.state = 'retiring';
      this.#closeChannel(w);
      w.child.kill('SIGTERM');
    }
  }

  /** SIGHUP: the configuration changed, so the workers that parsed the old one go. */
  replaceIdle(): void {
    this.retireIdle();
    this.refill();
  }

  /** No new workers; resolves once every worker has exited. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#backoff !== undefined) clearTimeout(this.#backoff);
    this.#backoff = undefined;
    if (this.#refillTimer !== undefined) clearTimeout(this.#refillTimer);
    this.#refillTimer = undefined;
    this.retireIdle();
    if (this.#workers.size === 0) return;
    await new Promise<void>((resolve) => {
      this.#drained = resolve;
    });
  }

  #firstIdle(): Worker | undefined {
    for (const w of this.#workers) if (w.state === 'idle') return w;
    return undefined;
  }

  #send(worker: Worker, payload: Buffer, conn: number): boolean {
    const channel = worker.channel;
    if (channel === undefined) return false;
    try {
      sendmsg(channel, payload, { fds: [conn], dontWait: true });
    } catch (error) {
      // The worker died before it took the connection (its exit is logged separately).
      this.#opts.log.debug(
        `Worker [${String(worker.pid)}] cannot take a connection: ${(error as Error).message}`,
      );
      worker.state = 'retiring';
      this.#closeChannel(worker);
      return false;
    }
    this.#closeChannel(worker);
    worker.state = 'busy';
    const { workerTimeoutUsec } = this.#opts;
    if (Number.isFinite(workerTimeoutUsec)) {
      worker.timer = setTimeout(() => {
        this.#opts.log.warn(
          `Worker [${String(worker.pid)}] is running longer than ${formatTimespan(workerTimeoutUsec)}, killing the worker.`,
        );
        worker.child.kill('SIGKILL');
      }, workerTimeoutUsec / 1000);
    }
    return true;
  }

  #start(): Worker | undefined {
    if (this.#closed || this.busy + this.idle >= this.#opts.maxWorkers) return undefined;
    const [ours, theirs] = socketpair('seqpacket');
    let child: ChildProcess;
    try {
      child = spawn(this.#opts.command, this.#opts.args, {
        stdio: ['ignore', 'inherit', 'inherit', theirs],
        env: this.#opts.env,
      });
    } catch (error) {
      close(ours);
      this.#opts.log.error(`Failed to start a worker: ${(error as Error).message}`);
      return undefined;
    } finally {
      close(theirs);
    }
    const pid = child.pid;
    if (pid === undefined) {
      // spawn failed (ENOENT, EACCES): reported asynchronously through 'error'
      child.once('error', (error) => {
        this.#opts.log.error(`Failed to start a worker: ${error.message}`);
      });
      close(ours);
      this.#backOff();
      return undefined;
    }
    const worker: Worker = { child, pid, channel: ours, state: 'idle', timer: undefined };
    const startedAt = Date.now();
    this.#workers.add(worker);
    child.once('exit', (code, signal) => {
      this.#onExit(worker, code, signal, Date.now() - startedAt);
    });
    this.#opts.log.debug(`Worker [${String(pid)}] started.`);
    return worker;
  }

  #onExit(worker: Worker, code: number | null, signal: NodeJS.Signals | null, ranMs: number): void {
    const wasIdle = worker.state === 'idle';
    const retired = worker.state === 'retiring';
    if (worker.timer !== undefined) clearTimeout(worker.timer);
    this.#closeChannel(worker);
    this.#workers.delete(worker);
    const { log } = this.#opts;
    const id = `Worker [${String(worker.pid)}]`;
    if (signal !== null) {
      const signo = constants.signals[signal];
      const text = `${id} terminated by signal ${String(signo)} (${signal.replace(/^SIG/, '')}).`;
      if (retired && signal === 'SIGTERM') log.debug(text);
      else log.warn(text);
    } else if (code === 0) {
      log.debug(`${id} exited with code 0.`);
    } else {
      log.warn(`${id} exited with code ${String(code)}.`);
    }
    if (this.#closed) {
      if (this.#workers.size === 0) this.#drained?.();
    } else if (wasIdle && ranMs < RESPAWN_BACKOFF_MS) {
      this.#backOff(); // died before any work: do not respawn in a tight loop
    } else {
      this.refill();
    }
    this.#opts.onChange();
  }

  #backOff(): void {
    if (this.#backoff !== undefined || this.#closed) return;
    this.#backoff = setTimeout(() => {
      this.#backoff = undefined;
      this.refill();
      this.#opts.onChange();
    }, RESPAWN_BACKOFF_MS);
  }

  #closeChannel(worker: Worker): void {
    if (worker.channel === undefined) return;
    close(worker.channel);
    worker.channel = undefined;
  }
}
