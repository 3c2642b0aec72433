// Shared by the worker tests: a real core (gcore of a live process), a client
// that speaks the coredump socket protocol, and the built worker run directly
// with the connection on fd 3 (to see its exit status and stderr).
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { close, pipe, sendmsg, socketpair } from '@coredump-ts/unix';
import { afterAll, beforeAll } from 'vitest';

import { compileCrasher, startCrasher } from './support/crashers.js';
import { withTestDebuginfoCache } from './support/global-setup.js';

const execFileAsync = promisify(execFile);

export const WORKER_MAIN = fileURLToPath(
  new URL('../packages/worker/dist/main.cjs', import.meta.url),
);

/** The kernel and socket activation run the built worker: fail clearly without it. */
export function requireBuiltWorker(): string {
  if (!existsSync(WORKER_MAIN)) {
    throw new Error(`${WORKER_MAIN} is missing: run \`npx tsc -b packages/worker\` first`);
  }
  return WORKER_MAIN;
}

export interface RealCore {
  readonly path: string;
  readonly bytes: Buffer;
  readonly auxv: Buffer;
  readonly pid: number;
  readonly uid: number;
}

/** gcore of a live sleeper running as `uid`; its auxv read while it was alive. */
export async function makeRealCore(dir: string, uid = 1000): Promise<RealCore> {
  const binary = await compileCrasher('sleeper');
  const proc = startCrasher(binary, [], { uid });
  await proc.output('pid=');
  try {
    const auxv = readFileSync(`/proc/${String(proc.pid)}/auxv`);
    const prefix = join(dir, 'gcore');
    await execFileAsync('gcore', ['-o', prefix, String(proc.pid)]);
    const path = `${prefix}.${String(proc.pid)}`;
    return { path, bytes: readFileSync(path), auxv, pid: proc.pid, uid };
  } finally {
    proc.kill('SIGKILL');
    await proc.exited;
  }
}

export interface CrashFieldOptions {
  pid?: number;
  uid?: number;
  gid?: number;
  comm?: string;
  rlimit?: string;
  dumpable?: string;
  auxv?: Buffer;
  testId: string;
}

/** The datagrams a v262 handler would send, plus COREDUMP_TS_TEST_ID to find the entry. */
export function crashDatagrams(o: CrashFieldOptions): Buffer[] {
  const uid = o.uid ?? 1000;
  const list: (string | Buffer)[] = [
    `COREDUMP_PID=${String(o.pid ?? 4242)}`,
    `COREDUMP_UID=${String(uid)}`,
    `COREDUMP_GID=${String(o.gid ?? uid)}`,
    'COREDUMP_SIGNAL=11',
    'COREDUMP_SIGNAL_NAME=SIGSEGV',
    `COREDUMP_TIMESTAMP=${String(Date.now() * 1000)}`,
    `COREDUMP_RLIMIT=${o.rlimit ?? '18446744073709551615'}`,
    'COREDUMP_HOSTNAME=worker-test',
    `COREDUMP_DUMPABLE=${o.dumpable ?? '1'}`,
    `COREDUMP_COMM=${o.comm ?? 'sleeper'}`,
    'COREDUMP_EXE=/usr/bin/sleeper',
    'COREDUMP_UNIT=',
    `COREDUMP_TS_TEST_ID=${o.testId}`,
  ];
  if (o.auxv !== undefined) list.push(Buffer.concat([Buffer.from('COREDUMP_PROC_AUXV='), o.auxv]));
  list.push('PRIORITY=2', 'MESSAGE_ID=fc2e22bc6ee647b6b90729ab34a250b1');
  return list.map((x) => (typeof x === 'string' ? Buffer.from(x) : x));
}

export const newTestId = (): string => randomUUID().replaceAll('-', '');

/**
 * Send each datagram, then the core pipe's read end, then close the socket
 * (the receiver reads on until EOF), then feed `core` into the pipe.
 */
export function sendCrash(sock: number, datagrams: readonly Buffer[], core: Buffer): Promise<void> {
  const [r, w] = pipe();
  try {
    for (const d of datagrams) sendmsg(sock, d);
    sendmsg(sock, Buffer.alloc(0), { fds: [r] });
  } finally {
    close(r);
    close(sock);
  }
  return feed(w, core);
}

/** Write data into fd (blocking writes on the thread pool), then close it. */
export function feed(fd: number, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    import('node:fs')
      .then(({ createWriteStream }) => {
        const ws = createWriteStream('', { fd, autoClose: true });
        ws.on('error', (e: NodeJS.ErrnoException) => {
          if (e.code === 'EPIPE') resolve();
          else reject(e);
        });
        ws.on('close', () => {
          resolve();
        });
        ws.end(data);
      })
      .catch(reject);
  });
}

/**
 * Write data into the pipe from a child process, as the kernel does, and close
 * our copy of the write end. For code under test that drains the pipe
 * synchronously in this same process (submitCrash in-process): feed() would
 * need this process's event loop, which the synchronous read is blocking.
 */
export function feedFromChild(fd: number, data: Buffer, dir: string): Promise<void> {
  // Synchronous up to the spawn: the caller drains right after this returns.
  const file = join(dir, `core-feed-${String(fd)}`);
  writeFileSync(file, data);
  const child = spawn('cat', [file], { stdio: ['ignore', fd, 'inherit'] });
  closeSync(fd);
  return new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`cat exited with ${String(code)} while feeding the core pipe`));
    });
  });
}

export interface WorkerRun {
  readonly client: number;
  readonly pid: number;
  /** Resolves when the worker exits. */
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  stderr(): string;
  kill(signal: NodeJS.Signals): void;
}

/**
 * Start the built worker with one end of a seqpacket socketpair on fd 3
 * (LISTEN_FDS=1). `wrapper`: a command that execs the rest of its argv in
 * the same process (setpriv), and `umask`, as a unit's directives would set.
 */
export function startWorker(
  env: Readonly<Record<string, string>>,
  { wrapper = [], umask = '0022' }: { wrapper?: readonly string[]; umask?: string } = {},
): WorkerRun {
  const main = requireBuiltWorker();
  const [client, server] = socketpair('seqpacket');
  const child = spawn(
    '/bin/sh',
    [
      '-c',
      `umask ${umask}; LISTEN_PID=$$ LISTEN_FDS=1 exec "$@"`,
      'sh',
      ...wrapper,
      '/usr/bin/node',
      main,
    ],
    {
      stdio: ['ignore', 'ignore', 'pipe', server],
      env: withTestDebuginfoCache({ PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env }),
    },
  );
  close(server);
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (c: string) => (stderr += c));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve) => {
      child.once('close', (code, signal) => {
        resolve({ code, signal, stderr });
      });
    },
  );
  if (child.pid === undefined) throw new Error('worker did not start');
  return { client, pid: child.pid, done, stderr: () => stderr, kill: (s) => child.kill(s) };
}

export interface Sandbox {
  readonly root: string;
  readonly storage: string;
  readonly configRoot: string;
  env(extra?: Record<string, string>): Record<string, string>;
  writeConfig(text: string): void;
}

/**
 * A temp storage dir and config root for one test. `journal`: where the
 * worker's entries go (support/test-journal.ts); the crashes these tests make
 * up never belong in the machine's journal.
 */
export function makeSandbox(
  prefix = 'worker-',
  journal?: { env(): Record<string, string> },
): Sandbox {
  const root = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(root, 0o755); // the worker drops to the crashing user before journaling
  const storage = join(root, 'storage');
  const configRoot = join(root, 'config');
  mkdirSync(storage, { mode: 0o755 });
  mkdirSync(join(configRoot, 'etc/systemd'), { recursive: true });
  return {
    root,
    storage,
    configRoot,
    env: (extra = {}) => ({
      COREDUMP_TS_STORAGE: storage,
      COREDUMP_TS_CONFIG_ROOT: configRoot,
      COREDUMP_TS_LOG_LEVEL: 'debug',
      ...journal?.env(),
      ...extra,
    }),
    writeConfig: (text) => {
      writeFileSync(join(configRoot, 'etc/systemd/coredump.conf'), `[Coredump]\n${text}\n`);
    },
  };
}

/** Run one whole crash through a fresh worker; returns its exit and stderr. */
export async function runCrash(
  env: Readonly<Record<string, string>>,
  datagrams: readonly Buffer[],
  core: Buffer,
  options: Parameters<typeof startWorker>[1] = {},
): Promise<{ pid: number; code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const w = startWorker(env, options);
  await sendCrash(w.client, datagrams, core);
  return { pid: w.pid, ...(await w.done) };
}

/** The single file in a storage listing; throws with the listing otherwise. */
export function onlyFile(files: readonly string[]): string {
  const [first] = files;
  if (files.length !== 1 || first === undefined)
    throw new Error(`expected one file, got ${JSON.stringify(files)}`);
  return first;
}

/**
 * Registers beforeAll (the worker must be built) and afterAll (every sandbox removed) in
 * the calling file; returns the maker of one fresh sandbox per test.
 */
export function useSandboxes(
  prefix: string,
  journal?: { env(): Record<string, string> },
): () => Sandbox {
  const sandboxes: Sandbox[] = [];
  beforeAll(() => {
    requireBuiltWorker();
  });
  afterAll(() => {
    for (const s of sandboxes) rmSync(s.root, { recursive: true, force: true });
  });
  return () => {
    const s = makeSandbox(prefix, journal);
    sandboxes.push(s);
    return s;
  };
}
