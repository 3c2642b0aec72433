// The foreground collector for machines without systemd as PID 1: journald if
// missing, systemd-socket-activate running our worker per connection, and
// core_pattern pointing at our handler. stop() undoes exactly what start() did.
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_PATHS } from '@coredump-ts/pipeline';
import { CORE_PATTERN_MAX_BYTES, withoutUnusedNodeEnv } from '@coredump-ts/protocol';
import { AdminError } from './errors.js';
import { type Host, requireRoot } from './host.js';
import { type KernelSettings, KernelSettingsGuard } from './kernel-settings.js';
import { CORE_PIPE_LIMIT, corePatternFor } from './layout.js';
import { isBoundIn, isListeningIn } from './proc-net-unix.js';
import { ManagerSupervisor } from './manager-supervisor.js';
import { type ResolvedMode, coredumpdBin, kernelSocketPath } from './mode.js';

export interface CollectorPaths {
  socket: string;
  journalSocket: string;
  handler: string;
  worker: string;
  journald: string;
  procNetUnix: string;
  proc: string;
}

export function collectorPaths(
  appDir: string,
  env: NodeJS.ProcessEnv = process.env,
): CollectorPaths {
  return {
    socket: env.COREDUMP_TS_SOCKET ?? '/run/systemd/coredump',
    journalSocket: env.COREDUMP_TS_JOURNAL_SOCKET ?? JOURNALD_SOCKET,
    handler: env.COREDUMP_TS_HANDLER_BIN ?? `${appDir}/packages/handler/dist/main.cjs`,
    worker: env.COREDUMP_TS_WORKER_BIN ?? `${appDir}/packages/worker/dist/main.cjs`,
    journald: '/lib/systemd/systemd-journald',
    procNetUnix: '/proc/net/unix',
    proc: '/proc',
  };
}

const START_DEADLINE_MS = 10_000;
/** Where systemd-journald binds its native socket, whatever it is asked. */
const JOURNALD_SOCKET = DEFAULT_PATHS.journalSocket;

/** The pids whose comm is `comm` (15 characters at most), from a /proc tree. */
function pidsNamed(proc: string, comm: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync(proc)) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`${proc}/${name}/comm`, 'utf8').trim() === comm) pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}
const ACTIVATOR_CHATTER =
  /^(Listening on .* as \d+\.|Communication attempt on fd \d+\.|Connection from PID |Spawned .* as PID \d+\.|Execing |Child \d+ died with code \d+)/;

export function findProgram(
  name: string,
  pathEnv = process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
): string | undefined {
  return pathEnv
    .split(':')
    .filter((dir) => dir !== '')
    .map((dir) => `${dir}/${name}`)
    .find((candidate) => existsSync(candidate));
}

async function waitFor(what: string, ready: () => boolean, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_DEADLINE_MS;
  while (!ready()) {
    if (child !== undefined && child.exitCode !== null) {
      throw new AdminError('ERR_START_FAILED', `${what}: exited with status ${child.exitCode}`);
    }
    if (Date.now() > deadline)
      throw new AdminError(
        'ERR_START_FAILED',
        `${what}: not ready after ${START_DEADLINE_MS / 1000}s`,
      );
    await sleep(50);
  }
}

async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

export class Collector {
  readonly host: Host;
  readonly paths: CollectorPaths;
  readonly guard: KernelSettingsGuard;
  readonly started: string[] = [];
  #journald: ChildProcess | undefined;
  #activator: ChildProcess | undefined;
  #restored: KernelSettings | undefined;
  /** socket mode: the coredumpd manager and the listening socket it is given */
  #supervisor: ManagerSupervisor | undefined;
  readonly mode: ResolvedMode;
  readonly #killOnExit = (): void => {
    this.#supervisor?.killNow();
    for (const child of [this.#activator, this.#journald]) {
      if (child?.pid !== undefined && child.exitCode === null) child.kill('SIGTERM');
    }
  };

  constructor(host: Host, paths: CollectorPaths, mode: ResolvedMode = 'pipe') {
    this.host = host;
    this.paths = paths;
    this.mode = mode;
    this.guard = new KernelSettingsGuard(host.procSys);
  }

  corePattern(): string {
    if (this.mode === 'socket') return `@@${kernelSocketPath()}`;
    return corePatternFor(this.host.nodePath, this.paths.handler);
  }

  listening(): boolean {
    return isListeningIn(readFileSync(this.paths.procNetUnix, 'utf8'), this.paths.socket);
  }

  async start(): Promise<void> {
    requireRoot({ ...this.host, root: '/' }, 'collect');
    if (this.mode === 'socket') {
      await this.#startSocketMode();
      return;
    }
    for (const [what, path] of [
      ['handler', this.paths.handler],
      ['worker', this.paths.worker],
    ] as const) {
      if (!existsSync(path))
        throw new AdminError(
          'ERR_NOT_BUILT',
          `the ${what} is not built (${path} is missing): run npm run build`,
        );
    }
    const pattern = this.corePattern();
    if (Buffer.byteLength(pattern) > CORE_PATTERN_MAX_BYTES) {
      throw new AdminError(
        'ERR_PATTERN_TOO_LONG',
        `core_pattern would be ${Buffer.byteLength(pattern)} bytes (max ${CORE_PATTERN_MAX_BYTES}): ${pattern}\nmove the checkout to a shorter path, or use coredump-ts install`,
      );
    }
    if (this.listening()) {
      throw new AdminError(
        'ERR_SOCKET_IN_USE',
        `${this.paths.socket} is already served by another process: systemd-coredump.socket, or another collector.\n` +
          'To collect with coredump-ts for this session: systemctl stop systemd-coredump.socket, run this again,\n' +
          'and systemctl start systemd-coredump.socket afterwards. To replace systemd-coredump for good:\n' +
          'coredump-ts install (see coredump-ts(8)).',
      );
    }
    process.on('exit', this.#killOnExit);
    await this.#ensureJournald();
    await this.#startActivator();
    this.guard.apply({
      corePattern: pattern,
      corePipeLimit: String(CORE_PIPE_LIMIT),
      suidDumpable: '2',
    });
  }

  /** Journald if missing, the supervised coredumpd manager, then core_pattern @@socket. */
  async #startSocketMode(): Promise<void> {
    const bin = coredumpdBin(this.host.appDir);
    if (!existsSync(bin))
      throw new AdminError(
        'ERR_NOT_BUILT',
        `coredumpd is not built (${bin} is missing): run npm run build`,
      );
    process.on('exit', this.#killOnExit);
    await this.#ensureJournald();
    const supervisor = new ManagerSupervisor({
      nodePath: this.host.nodePath,
      coredumpd: bin,
      socketPath: kernelSocketPath(),
      env: withoutUnusedNodeEnv(process.env),
      note: (line) => {
        process.stderr.write(`coredump-ts: ${line}\n`);
      },
      // Never leave core_pattern at a socket nobody will serve.
      onGiveUp: () => this.restoreKernelNow(),
    });
    this.#supervisor = supervisor;
    await supervisor.start();
    this.started.push(
      `coredumpd --manager (pid ${String(supervisor.pid ?? '?')}) on ${kernelSocketPath()}`,
    );
    this.guard.apply({ corePattern: this.corePattern(), suidDumpable: '2' });
  }

  /**
   * journald, started when nothing serves the journal socket. It binds its own
   * standard paths, replacing the socket files of a journald already running
   * (which then logs nothing more): so never beside a running one, and never for
   * a COREDUMP_TS_JOURNAL_SOCKET it would not serve.
   */
  async #ensureJournald(): Promise<void> {
    const path = this.paths.journalSocket;
    if (isBoundIn(readFileSync(this.paths.procNetUnix, 'utf8'), path)) return;
    if (path !== JOURNALD_SOCKET) {
      throw new AdminError(
        'ERR_NO_JOURNAL',
        `nothing serves ${path} (COREDUMP_TS_JOURNAL_SOCKET), and systemd-journald would serve ${JOURNALD_SOCKET} only: start what serves ${path} first`,
      );
    }
    const running = pidsNamed(this.paths.proc, 'systemd-journal');
    if (running.length > 0) {
      throw new AdminError(
        'ERR_NO_JOURNAL',
        `systemd-journald is running (pid ${running.join(', ')}) but nothing serves ${path}: its socket file was replaced or removed. Restart that journald, then run this again.`,
      );
    }
    await this.#startJournald();
  }

  async #startJournald(): Promise<void> {
    this.#journald = spawn(this.paths.journald, [], { stdio: 'ignore', detached: true });
    this.#journald.on('error', () => undefined);
    await waitFor('systemd-journald', () => existsSync(this.paths.journalSocket), this.#journald);
    this.started.push(`systemd-journald (pid ${this.#journald.pid ?? '?'})`);
  }

  async #startActivator(): Promise<void> {
    if (existsSync(this.paths.socket)) unlinkSync(this.paths.socket); // stale: nobody listens
    const env = Object.entries(process.env).filter(([k]) => k.startsWith('COREDUMP_TS_'));
    const args = [
      '--seqpacket',
      '--accept',
      '-l',
      this.paths.socket,
      ...env.flatMap(([k, v]) => ['-E', `${k}=${v ?? ''}`]),
      this.host.nodePath,
      this.paths.worker,
    ];
    const program = findProgram('systemd-socket-activate');
    if (program === undefined)
      throw new AdminError(
        'ERR_TOOL_MISSING',
        'systemd-socket-activate is not installed (apt-get install systemd)',
      );
    const child = spawn(program, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    // Its per-connection chatter hides the crash lines; workers' own stderr passes.
    createInterface({ input: child.stderr }).on('line', (line) => {
      if (!ACTIVATOR_CHATTER.test(line)) process.stderr.write(`${line}\n`);
    });
    child.on('error', () => undefined); // surfaces as exitCode in waitFor
    this.#activator = child;
    await waitFor('systemd-socket-activate', () => this.listening(), child);
    chmodSync(this.paths.socket, 0o600);
    this.started.push(`systemd-socket-activate (pid ${child.pid ?? '?'}) on ${this.paths.socket}`);
  }

  /** Synchronous: safe from signal handlers and 'exit'. */
  restoreKernelNow(): KernelSettings | undefined {
    this.#restored ??= this.guard.restore();
    return this.#restored;
  }

  async stop(): Promise<string[]> {
    const notes: string[] = [];
    const restored = this.restoreKernelNow();
    if (restored !== undefined)
      notes.push(
        `restored kernel.core_pattern=${restored.corePattern}, core_pipe_limit=${restored.corePipeLimit}, suid_dumpable=${restored.suidDumpable}`,
      );
    if (this.#supervisor !== undefined) {
      const pid = this.#supervisor.pid;
      await this.#supervisor.stop(); // after the restore: it waits for running workers
      notes.push(`stopped coredumpd --manager (pid ${String(pid ?? '?')})`);
      this.#supervisor = undefined;
    }
    if (this.#activator !== undefined) {
      await stopChild(this.#activator);
      if (existsSync(this.paths.socket) && !this.listening()) unlinkSync(this.paths.socket);
      notes.push(`stopped systemd-socket-activate (pid ${this.#activator.pid ?? '?'})`);
      this.#activator = undefined;
    }
    if (this.#journald !== undefined) {
      await stopChild(this.#journald);
      notes.push(`stopped systemd-journald (pid ${this.#journald.pid ?? '?'})`);
      this.#journald = undefined;
    }
    process.removeListener('exit', this.#killOnExit);
    return notes;
  }
}

/** The size of a stored core, undefined when it is gone. */
export function fileSize(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
}
