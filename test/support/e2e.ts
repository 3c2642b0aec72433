// The whole product on the real crash path, for the end-to-end suite: the
// kernel pipes a crash into the built handler (through a wrapper that points
// it at a temp socket, storage dir and config root), systemd-socket-activate
// starts the built worker per connection, journald records the entry. Helpers
// then check what a user would look at: the journal entry and the stored file.
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';

import { getAttribute } from 'fs-xattr';
import { expect } from 'vitest';

import { MESSAGE_ID_COREDUMP, corePatternLine } from '@coredump-ts/protocol';
import { requireBuiltWorker } from '../worker-helpers.js';
import { socketActivate, type SocketActivation } from './activate.js';
import {
  compileCrasher,
  startCrasher,
  type CrasherExit,
  type CrasherName,
  type CrasherOptions,
  type RunningCrasher,
} from './crashers.js';
import { isElfCore } from './elf.js';
import { readJournalJson, type JsonJournalEntry } from './journald.js';
import { withKernelSettings, type KernelSettings } from './kernel.js';
import { writeHandlerWrapper } from './receiver.js';
import { waitFor } from './wait.js';

const execFileAsync = promisify(execFile);

export { MESSAGE_ID_COREDUMP };

export const BOOT_ID = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8')
  .trim()
  .replaceAll('-', '');

/** What units/sysctl.d/50-coredump.conf sets, besides core_pattern. */
// As units/sysctl.d/50-coredump.conf ships them (docs/adr/0003-core-pipe-limit-64.md).
export const PRODUCT_SYSCTLS = { corePipeLimit: '64', suidDumpable: '2' } as const;

export interface Pipeline {
  readonly root: string;
  readonly storage: string;
  readonly configRoot: string;
  readonly socketPath: string;
  readonly corePattern: string;
  /** The socket-activated listener, if running. */
  readonly activation: SocketActivation | undefined;
  /** Writes <configRoot>/etc/systemd/coredump.conf.d/<name>.conf with a [Coredump] section. */
  dropIn(name: string, lines: string): void;
  /** Removes every drop-in. */
  clearDropIns(): void;
  /** Every file in the storage dir (sorted). */
  files(): string[];
  /** Removes every stored core. */
  clearStorage(): void;
  startListener(): Promise<void>;
  stopListener(): Promise<void>;
  close(): Promise<void>;
}

export interface PipelineOptions {
  /**
   * More environment for the worker and the handler (its in-process path), e.g.
   * COREDUMP_TS_JOURNAL_SOCKET for a journald of the test's own.
   */
  readonly env?: Readonly<Record<string, string>>;
}

/** A temp tree, the handler wrapper, and the socket-activated worker listening. */
export async function startPipeline(
  prefix = 'cdts-e2e-',
  { env: extraEnv = {} }: PipelineOptions = {},
): Promise<Pipeline> {
  const worker = requireBuiltWorker();
  const root = mkdtempSync(join(tmpdir(), prefix));
  // The worker drops to the crashing user before it journals; let it traverse.
  chmodSync(root, 0o755);
  const storage = join(root, 'storage');
  const configRoot = join(root, 'config');
  const dropInDir = join(configRoot, 'etc/systemd/coredump.conf.d');
  mkdirSync(storage, { mode: 0o755 });
  mkdirSync(dropInDir, { recursive: true });
  const socketPath = join(root, 'sock');
  const env = {
    ...extraEnv,
    COREDUMP_TS_STORAGE: storage,
    COREDUMP_TS_CONFIG_ROOT: configRoot,
  };
  // The handler gets the storage and config too: its in-process path uses them.
  const wrapper = writeHandlerWrapper(root, {
    ...env,
    COREDUMP_TS_SOCKET: socketPath,
    COREDUMP_TS_KMSG: join(root, 'kmsg'),
  });
  let activation: SocketActivation | undefined;
  const startListener = async (): Promise<void> => {
    if (activation !== undefined) return;
    activation = await socketActivate({
      socketPath,
      command: '/usr/bin/node',
      args: [worker],
      env,
    });
  };
  const stopListener = async (): Promise<void> => {
    const a = activation;
    activation = undefined;
    await a?.stop();
  };
  try {
    await startListener();
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  return {
    root,
    storage,
    configRoot,
    socketPath,
    corePattern: corePatternLine(wrapper),
    get activation() {
      return activation;
    },
    dropIn(name, lines) {
      writeFileSync(join(dropInDir, `${name}.conf`), `[Coredump]\n${lines}\n`);
    },
    clearDropIns() {
      for (const f of readdirSync(dropInDir)) rmSync(join(dropInDir, f), { force: true });
    },
    files: () => readdirSync(storage).sort(),
    clearStorage() {
      for (const f of readdirSync(storage)) rmSync(join(storage, f), { force: true });
    },
    startListener,
    stopListener,
    async close() {
      await stopListener();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Run `fn` with core_pattern pointing at the pipeline's handler (under the kernel lock). */
export function withPipelineKernel<T>(
  p: Pipeline,
  fn: () => Promise<T>,
  extra: Partial<KernelSettings> = {},
): Promise<T> {
  return withKernelSettings({ corePattern: p.corePattern, ...PRODUCT_SYSCTLS, ...extra }, fn);
}

export interface CrashResult {
  readonly exit: CrasherExit;
  readonly entry: JsonJournalEntry;
}

/**
 * Crash one program through the pipeline and wait for its journal entry. The
 * kernel settings are held only until the process is reaped: with
 * core_pipe_limit > 0 the kernel has handed the whole core to the handler by then.
 * `start` may kill the process itself (SIGQUIT); it returns the running crasher.
 */
export async function crashThrough(
  p: Pipeline,
  start: () => RunningCrasher | Promise<RunningCrasher>,
  { timeoutMs = 60_000 }: { timeoutMs?: number } = {},
): Promise<CrashResult> {
  const sinceUsec = (Math.floor(Date.now() / 1000) - 1) * 1_000_000;
  const exit = await withPipelineKernel(p, async () => (await start()).exited);
  const entry = await waitForCrashEntry(exit.pid, sinceUsec, { timeoutMs });
  return { exit, entry };
}

/**
 * The coredump entry of `pid` in this boot whose COREDUMP_TIMESTAMP is not
 * before sinceUsec (so a recycled pid from an earlier run does not match).
 * Not journalctl --after-cursor: journald here rotates often and the "newest"
 * entry's cursor does not reliably bound what comes after it.
 */
export async function waitForCrashEntry(
  pid: number,
  sinceUsec: number,
  { timeoutMs = 60_000, matches = [] }: { timeoutMs?: number; matches?: readonly string[] } = {},
): Promise<JsonJournalEntry> {
  return waitFor(
    async () => {
      const entries = await readJournalJson([...crashMatches(pid), ...matches]);
      return entries.find((e) => Number(text(e, 'COREDUMP_TIMESTAMP')) >= sinceUsec);
    },
    { what: `the coredump journal entry of pid ${String(pid)}`, timeoutMs, intervalMs: 200 },
  );
}

export const crashMatches = (pid: number): string[] => [
  `MESSAGE_ID=${MESSAGE_ID_COREDUMP}`,
  `COREDUMP_PID=${String(pid)}`,
  `_BOOT_ID=${BOOT_ID}`,
];

/** Crash a named crasher program through the pipeline. */
export async function crashProgram(
  p: Pipeline,
  name: CrasherName,
  args: readonly string[] = [],
  options: CrasherOptions = {},
): Promise<CrashResult> {
  const binary = await compileCrasher(name);
  return crashThrough(p, () => startCrasher(binary, args, options));
}

/** A journal field as text (journalctl -o json gives byte arrays for binary values). */
export function text(entry: JsonJournalEntry, name: string): string | undefined {
  const v = entry[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (v.every((x) => typeof x === 'number')) return Buffer.from(v).toString('utf8');
  throw new Error(`${name} has several values`);
}

export interface ExpectedCrash {
  pid: number;
  comm: string;
  uid: number;
  signalName: string;
  signal: number;
}

/** The journal entry fields and MESSAGE a user sees for every crash. */
export function expectEntry(entry: JsonJournalEntry, c: ExpectedCrash): void {
  const head = `Process ${String(c.pid)} (${c.comm}) of user ${String(c.uid)} dumped core.`;
  expect(text(entry, 'MESSAGE')?.startsWith(head), text(entry, 'MESSAGE')).toBe(true);
  expect(text(entry, 'MESSAGE_ID')).toBe(MESSAGE_ID_COREDUMP);
  expect(text(entry, 'PRIORITY')).toBe('2');
  expect(text(entry, 'SYSLOG_IDENTIFIER')).toBe('systemd-coredump');
  expect(text(entry, 'COREDUMP_PID')).toBe(String(c.pid));
  expect(text(entry, 'COREDUMP_UID')).toBe(String(c.uid));
  expect(text(entry, 'COREDUMP_COMM')).toBe(c.comm);
  expect(text(entry, 'COREDUMP_SIGNAL')).toBe(String(c.signal));
  expect(text(entry, 'COREDUMP_SIGNAL_NAME')).toBe(c.signalName);
  expect(text(entry, 'COREDUMP_EXE')).toMatch(new RegExp(`/${c.comm}$`));
}

export interface ExpectedFile {
  pid: number;
  comm: string;
  uid: number;
  /** Whether the crashing user gets an ACL entry (user:<uid>:r--). */
  acl: boolean;
  /** false for Compress=no. */
  compressed?: boolean;
}

/** getfacl's numeric listing of a file. */
export function getfacl(path: string): string {
  return execFileSync('getfacl', ['-n', '-p', path], { encoding: 'utf8' });
}

/** The first bytes of the decompressed core, read with the stock zstd tool. */
function zstdHead(path: string, bytes: number): Buffer {
  return execFileSync('sh', ['-c', 'zstd -dc -- "$1" | head -c "$2"', 'sh', path, String(bytes)], {
    encoding: 'buffer',
  });
}

/** sha256 of a file's decompressed contents (stock zstd, streamed). */
export async function zstdSha256(path: string): Promise<string> {
  const { stdout } = await execFileAsync('sh', ['-c', 'zstd -dc -- "$1" | sha256sum', 'sh', path]);
  return stdout.split(' ')[0] ?? '';
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/**
 * The stored core as a user sees it: the name pattern, root:root 0640, the
 * user.coredump.* xattrs, the ACL (or none), `zstd -t`, an ELF core inside.
 * Returns the file's path.
 */
export async function expectStoredFile(
  entry: JsonJournalEntry,
  p: Pipeline,
  f: ExpectedFile,
): Promise<string> {
  const path = text(entry, 'COREDUMP_FILENAME');
  expect(path, 'COREDUMP_FILENAME').toBeDefined();
  if (path === undefined) throw new Error('no COREDUMP_FILENAME');
  const ext = f.compressed === false ? '' : '\\.zst';
  expect(basename(path)).toMatch(
    new RegExp(
      `^core\\.${f.comm}\\.${String(f.uid)}\\.${BOOT_ID}\\.${String(f.pid)}\\.[0-9]+${ext}$`,
    ),
  );
  expect(path.startsWith(`${p.storage}/`)).toBe(true);
  const st = statSync(path);
  expect(st.isFile()).toBe(true);
  expect(st.mode & 0o7777).toBe(0o640);
  expect([st.uid, st.gid]).toEqual([0, 0]);
  const xattr = async (name: string): Promise<string> =>
    (await getAttribute(path, `user.coredump.${name}`)).toString();
  expect(await xattr('pid')).toBe(String(f.pid));
  expect(await xattr('uid')).toBe(String(f.uid));
  expect(await xattr('comm')).toBe(f.comm);
  expect(await xattr('signal')).toBe(text(entry, 'COREDUMP_SIGNAL'));
  const acl = getfacl(path);
  if (f.acl) expect(acl).toContain(`user:${String(f.uid)}:r--`);
  else expect(acl).not.toMatch(/^user:[0-9]+:/m);
  let head: Buffer;
  if (f.compressed === false) {
    head = readFileSync(path).subarray(0, 64);
  } else {
    await execFileAsync('zstd', ['-t', '-q', path]);
    head = zstdHead(path, 64);
  }
  expect(isElfCore(head)).toBe(true);
  return path;
}

/** Create (once) an unprivileged login user for crash tests; returns its uid. */
export function ensureTestUser(name = 'cdts-e2e'): number {
  const lookup = (): number | undefined => {
    try {
      return Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
    } catch {
      return undefined;
    }
  };
  const existing = lookup();
  if (existing !== undefined) return existing;
  try {
    execFileSync('useradd', ['--no-create-home', '--user-group', '--shell', '/bin/sh', name], {
      stdio: 'pipe',
    });
  } catch (error) {
    // A concurrent run may have created it in between.
    if (lookup() === undefined) throw error;
  }
  const uid = lookup();
  if (uid === undefined || uid < 1000) throw new Error(`test user ${name} has uid ${String(uid)}`);
  return uid;
}
