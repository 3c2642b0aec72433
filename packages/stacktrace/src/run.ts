// Runs the libdw helper (build/Release/coredump-ts-stack) on a core, with a
// deadline, and turns whatever happens into a trace or a one-line reason.
// libdw parses memory the crashed program controlled: it never runs in this
// process. Nothing here throws for a helper failure.
import { StringDecoder } from 'node:string_decoder';
import { fileURLToPath } from 'node:url';

import { errnoMessage, spawnPiped, type PipedChild } from '@coredump-ts/unix';

import { oneLine, parseStackJson, type StackResult } from './trace.js';

/** The helper binary node-gyp builds (`npm ci` / `npm run build:native -w packages/stacktrace`). */
export const STACK_HELPER_PATH = fileURLToPath(
  new URL('../build/Release/coredump-ts-stack', import.meta.url),
);

/** systemd has no deadline of its own (its service's 5 min apply); ours is 30 s. */
export const DEFAULT_DEADLINE_MS = 30_000;
/** Overrides the default deadline (tests make it short). */
export const DEADLINE_ENV = 'COREDUMP_TS_STACK_DEADLINE_MS';
/** Passed to the helper: the dlopen() names of libdw and libelf. */
export const LIBRARY_ENV = ['COREDUMP_TS_LIBDW', 'COREDUMP_TS_LIBELF'] as const;

/** The helper prints at most 1 MiB (systemd's COREDUMP_PIPE_MAX). */
const OUTPUT_MAX_BYTES = 1024 * 1024;
const STDERR_TAIL_BYTES = 4096;

export type StackCore = { readonly corePath: string } | { readonly coreFd: number };

export type StackHelperOptions = StackCore & {
  /** COREDUMP_EXE: the executable's path, libdwfl's hint for the main module. */
  readonly exe?: string | undefined;
  /** Killed after this long; default DEADLINE_ENV from `env`, else DEFAULT_DEADLINE_MS. */
  readonly deadlineMs?: number;
  /** Where DEADLINE_ENV and LIBRARY_ENV are read; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly helperPath?: string;
  /**
   * An fd of the helper binary, opened before a privilege drop: the helper is
   * executed through it (/proc/self/fd, as fexecve does), so a user who cannot
   * reach the install directory (a checkout in a 0700 home) still runs it.
   */
  readonly helperFd?: number;
  /** Run the helper as this user and group (after the pipeline's privilege drop). */
  readonly uid?: number;
  readonly gid?: number;
  /** RLIMIT_AS; default the core's size + 1 GiB (libdw maps the whole core). */
  readonly addressSpaceBytes?: number;
  /** RLIMIT_CPU in seconds; default the deadline, rounded up. */
  readonly cpuLimitSec?: number;
  /** A smaller output cap than 1 MiB (at least 1 KiB): the trace is cut, `truncated` set. */
  readonly outputMaxBytes?: number;
  /** libdwfl's debug-info search path (':'-separated); default libdwfl's own. */
  readonly debuginfoPath?: string;
};

function deadlineFrom(options: StackHelperOptions): number {
  if (options.deadlineMs !== undefined) return options.deadlineMs;
  const text = (options.env ?? process.env)[DEADLINE_ENV];
  const ms = text === undefined ? NaN : Number(text);
  return Number.isSafeInteger(ms) && ms > 0 ? ms : DEFAULT_DEADLINE_MS;
}

function helperArgs(options: StackHelperOptions, deadlineMs: number): string[] {
  const args = 'corePath' in options ? ['--core', options.corePath] : ['--core-fd', '3'];
  if (options.exe !== undefined) args.push('--exe', options.exe);
  if (options.addressSpaceBytes !== undefined) {
    args.push('--as-limit', String(options.addressSpaceBytes));
  }
  if (options.outputMaxBytes !== undefined) {
    args.push('--output-max', String(options.outputMaxBytes));
  }
  if (options.debuginfoPath !== undefined) args.push('--debuginfo-path', options.debuginfoPath);
  const cpu = options.cpuLimitSec ?? Math.max(1, Math.ceil(deadlineMs / 1000));
  args.push('--cpu-limit', String(cpu));
  // posix_spawn cannot change users: the helper becomes them itself, first thing.
  if (options.uid !== undefined || options.gid !== undefined) {
    args.push('--uid', String(options.uid ?? process.getuid?.() ?? 0));
    args.push('--gid', String(options.gid ?? process.getgid?.() ?? 0));
  }
  return args;
}

/**
 * glibc's malloc in the helper: libdw builds libc's address ranges from thousands of
 * small allocations, and the page faults of a heap grown 128 KiB at a time were 40% of
 * the helper (perf, this 2-core VM). A 16 MiB top pad, in transparent huge pages where
 * the kernel gives them on request: the helper 22 -> 15 ms on a mini core with the
 * debuginfo cache, 93 -> 63 ms on the packages' compressed files, the same JSON
 * (docs/performance.md). glibc before 2.35 ignores hugetlb; THP "never" leaves the pad.
 */
export const HELPER_MALLOC_TUNABLES = 'glibc.malloc.hugetlb=1:glibc.malloc.top_pad=16777216';

/**
 * No DEBUGINFOD_URLS (no network from the crash path), no locale: the library names
 * and the malloc tunables only.
 */
function helperEnv(options: StackHelperOptions): Record<string, string> {
  const from = options.env ?? process.env;
  const env: Record<string, string> = { GLIBC_TUNABLES: HELPER_MALLOC_TUNABLES };
  for (const name of LIBRARY_ENV) {
    const value = from[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** What the exit status means when the helper printed no reason of its own. */
function exitReason(code: number | null, signal: NodeJS.Signals | null, stderr: string): string {
  const how = signal === null ? `exited with status ${String(code)}` : `was killed by ${signal}`;
  const said = oneLine(stderr).slice(-200);
  return `stack helper ${how}${said === '' ? '' : `: ${said}`}`;
}

/**
 * Runs the helper on a core (a path, or an fd of a regular file or memfd),
 * and resolves with the trace or `{ error }`: libdw missing, the helper
 * crashing, the deadline hit, output that is not the expected JSON, a core
 * that is not ELF. Never rejects for those.
 */
export function runStackHelper(options: StackHelperOptions): Promise<StackResult> {
  const deadlineMs = deadlineFrom(options);
  const passed = 'coreFd' in options ? [options.coreFd] : [];
  // The helper's own fd goes after the core's: the child runs /proc/self/fd/<that>.
  const helper =
    options.helperFd === undefined
      ? (options.helperPath ?? STACK_HELPER_PATH)
      : `/proc/self/fd/${String(3 + passed.length)}`;
  if (options.helperFd !== undefined) passed.push(options.helperFd);
  return new Promise((resolve) => {
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    const stderrText = new StringDecoder('utf8');
    let failure: string | undefined;
    let child: PipedChild;
    try {
      child = spawnPiped(helper, {
        args: helperArgs(options, deadlineMs),
        env: helperEnv(options),
        fds: passed,
        onStdout: (chunk) => {
          stdoutBytes += chunk.length;
          if (stdoutBytes > OUTPUT_MAX_BYTES) stop('stack helper printed more than 1 MiB');
          else stdout.push(chunk);
        },
        onStderr: (chunk) => {
          // A decoder keeps a character split across two reads whole.
          stderr = (stderr + stderrText.write(chunk)).slice(-STDERR_TAIL_BYTES);
        },
      });
    } catch (error) {
      resolve({
        error: `stack helper could not start: ${helper}: ${oneLine(errnoMessage(error))}`,
      });
      return;
    }
    function stop(reason: string): void {
      failure ??= reason;
      child.kill('SIGKILL');
    }
    const timer = setTimeout(() => {
      stop(`stack helper killed at its deadline (${deadlineMs} ms)`);
    }, deadlineMs);
    // done: the process has exited and its output is complete.
    void child.done.then(({ code, signal }) => {
      clearTimeout(timer);
      if (failure !== undefined) {
        resolve({ error: failure });
        return;
      }
      const text = Buffer.concat(stdout).toString('utf8');
      const result = text === '' ? undefined : parseStackJson(text);
      if (code === 0 && signal === null && result !== undefined) resolve(result);
      else if (result !== undefined && 'error' in result && code !== 0) resolve(result);
      else resolve({ error: exitReason(code, signal, stderr) });
    });
  });
}
