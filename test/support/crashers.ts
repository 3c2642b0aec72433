// Small C programs that crash in known ways (test/fixtures/crashers/*.c),
// compiled on demand and cached by source hash, and a way to run them with
// core dumps enabled and wait for them to die.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const CRASHERS_DIR = fileURLToPath(new URL('../fixtures/crashers/', import.meta.url));
export const CRASHERS_BUILD_DIR = join(tmpdir(), 'coredump-ts-crashers');

export type CrasherName =
  | 'segv'
  | 'abort'
  | 'sigbus'
  | 'sigfpe'
  | 'threads'
  | 'stacks-threads'
  | 'alloc'
  | 'setuid-drop'
  | 'sleeper';

const CFLAGS = ['-O0', '-g', '-Wall', '-pthread'];

/**
 * Compile test/fixtures/crashers/<name>.c (once per source version) and return
 * the binary's path. The binary is called <name>, so the crashing process's
 * comm is the crasher's name. Everyone may execute and read it: a program the
 * user cannot read is made non-dumpable by the kernel.
 */
export async function compileCrasher(name: CrasherName): Promise<string> {
  const source = join(CRASHERS_DIR, `${name}.c`);
  const hash = createHash('sha256')
    .update(readFileSync(source))
    .update(CFLAGS.join(' '))
    .digest('hex')
    .slice(0, 16);
  const dir = join(CRASHERS_BUILD_DIR, hash);
  const binary = join(dir, name);
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  chmodSync(CRASHERS_BUILD_DIR, 0o755);
  chmodSync(dir, 0o755);
  // Build under a unique name and rename: concurrent runs never see half a binary.
  const partial = `${binary}.${process.pid}.partial`;
  try {
    await execFileAsync('gcc', [...CFLAGS, '-o', partial, source]);
    chmodSync(partial, 0o755);
    renameSync(partial, binary);
  } catch (error) {
    rmSync(partial, { force: true });
    throw new Error(`compiling crasher ${name} failed`, { cause: error });
  }
  return binary;
}

export interface CrasherOptions {
  /** Run as this user (and gid, default the same number), with no supplementary groups. */
  uid?: number;
  gid?: number;
  /** The complete environment (default: the test's own). */
  env?: Readonly<Record<string, string>>;
  cwd?: string;
}

export interface CrasherExit {
  pid: number;
  /** The signal that killed it, or null if it exited. */
  signal: NodeJS.Signals | null;
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunningCrasher {
  readonly pid: number;
  /** Resolves when the process has died (for a dump, after the kernel has written the core). */
  readonly exited: Promise<CrasherExit>;
  /** Resolves with stdout once it contains `text` (crashers print "pid=..." first). */
  output(text: string): Promise<string>;
  kill(signal: NodeJS.Signals): void;
}

/**
 * Start a program with RLIMIT_CORE unlimited. For pipe core_patterns the
 * kernel ignores the limit (except 1), but systemd-coredump's handler honours
 * it (%c), so tests need it raised. `sh -c 'ulimit -c unlimited; exec ...'`
 * keeps the pid: the crasher's pid is the one spawned. With uid, setpriv drops
 * to that user after the limit is raised; the exec afterwards keeps the process
 * dumpable (dumpable=1, as for any ordinary user program).
 */
export function startCrasher(
  path: string,
  args: readonly string[] = [],
  { uid, gid, env, cwd }: CrasherOptions = {},
): RunningCrasher {
  const drop =
    uid === undefined
      ? []
      : ['setpriv', `--reuid=${uid}`, `--regid=${gid ?? uid}`, '--clear-groups', '--'];
  const child = spawn(
    '/bin/sh',
    ['-c', 'ulimit -c unlimited && exec "$@"', 'sh', ...drop, path, ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: env ?? process.env,
      ...(cwd === undefined ? {} : { cwd }),
    },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${path}`);
  let stdout = '';
  let stderr = '';
  let ended = false;
  // Each waiter returns true once it has settled its promise.
  const waiters = new Set<() => boolean>();
  const notify = (): void => {
    for (const waiter of waiters) if (waiter()) waiters.delete(waiter);
  };
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
    notify();
  });
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<CrasherExit>((resolve, reject) => {
    child.once('error', (error) => {
      ended = true;
      notify();
      reject(error);
    });
    // 'close' (not 'exit'): stdout and stderr are complete by then.
    child.once('close', (code, signal) => {
      ended = true;
      notify();
      resolve({ pid, signal, code, stdout, stderr });
    });
  });
  return {
    pid,
    exited,
    output(text: string) {
      return new Promise<string>((resolve, reject) => {
        const check = (): boolean => {
          if (stdout.includes(text)) resolve(stdout);
          else if (ended) {
            reject(new Error(`${path} ended without printing ${JSON.stringify(text)}: ${stderr}`));
          } else return false;
          return true;
        };
        if (!check()) waiters.add(check);
      });
    },
    kill(signal: NodeJS.Signals) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** Run a crasher to its death. */
export function runCrasher(
  path: string,
  args: readonly string[] = [],
  options: CrasherOptions = {},
): Promise<CrasherExit> {
  return startCrasher(path, args, options).exited;
}
