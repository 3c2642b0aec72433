// The real helper on real cores and on bad input: every way it can fail
// ends in a one-line reason, never a rejection. The core is made with gdb's
// gcore from a running process (no kernel settings involved).
import { execFile, spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { close, memfdCreate } from '@coredump-ts/unix';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEADLINE_ENV, HELPER_MALLOC_TUNABLES, runStackHelper, STACK_HELPER_PATH } from './run.js';
import { isStackError, parseStackJson, type StackResult, type StackTrace } from './trace.js';

const execFileAsync = promisify(execFile);

let dir: string;
let core: string;
let coreBytes: Buffer;
const SLEEP = '/bin/sleep';

function expectTrace(result: StackResult): StackTrace {
  if (isStackError(result)) throw new Error(`expected a trace, got: ${result.error}`);
  return result;
}

function expectError(result: StackResult): string {
  if (!isStackError(result)) throw new Error('expected an error, got a trace');
  expect(result.error).not.toMatch(/\n/);
  return result.error;
}

/**
 * The helper process this test process started, once it is blocked opening the
 * core (the FIFO): by then it has made itself non-dumpable and set its limits,
 * which it does first (main.c). Looking earlier races its first instructions.
 */
function helperChild(): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      if (
        /^Name:\s+coredump-ts-sta$/m.test(status) &&
        new RegExp(`^PPid:\\s+${String(process.pid)}$`, 'm').test(status) &&
        readFileSync(`/proc/${entry}/wchan`, 'utf8') === 'wait_for_partner'
      ) {
        return Number(entry);
      }
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

async function waitForHelper(): Promise<number> {
  for (let i = 0; i < 400; i++) {
    const pid = helperChild();
    if (pid !== undefined) return pid;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the helper did not start');
}

/** A FIFO nobody writes to: opening it blocks the helper for as long as the test wants. */
async function fifo(name: string): Promise<string> {
  const path = join(dir, name);
  await execFileAsync('mkfifo', ['-m', '0666', path]);
  return path;
}

beforeAll(async () => {
  if (!existsSync(STACK_HELPER_PATH)) {
    throw new Error(
      `${STACK_HELPER_PATH} is missing: run npm run build:native -w packages/stacktrace`,
    );
  }
  dir = mkdtempSync(join(tmpdir(), 'cdts-stack-run-'));
  chmodSync(dir, 0o755);
  const sleeper = spawn(SLEEP, ['600'], { stdio: 'ignore' });
  try {
    const pid = sleeper.pid ?? 0;
    await execFileAsync('gcore', ['-o', join(dir, 'core'), String(pid)]);
    core = join(dir, `core.${String(pid)}`);
    coreBytes = readFileSync(core);
  } finally {
    sleeper.kill('SIGKILL');
  }
}, 60_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('runStackHelper', () => {
  it('traces a core by path and by fd alike', async () => {
    const byPath = expectTrace(await runStackHelper({ corePath: core, exe: SLEEP }));
    expect(byPath.architecture).toBe('AMD x86-64');
    expect(byPath.truncated).toBe(false);
    expect(byPath.threads).toHaveLength(1);
    expect(byPath.threads[0]?.frames.some((f) => f.module === 'libc.so.6')).toBe(true);
    expect(byPath.modules.some((m) => m.name === 'sleep' && m.buildId !== null)).toBe(true);
    const fd = openSync(core, 'r');
    try {
      expect(await runStackHelper({ coreFd: fd, exe: SLEEP })).toEqual(byPath);
    } finally {
      closeSync(fd);
    }
  });

  it('traces a core in a memfd (Storage=journal keeps it there)', async () => {
    const byPath = expectTrace(await runStackHelper({ corePath: core, exe: SLEEP }));
    const fd = memfdCreate('core');
    try {
      writeSync(fd, coreBytes);
      expect(await runStackHelper({ coreFd: fd, exe: SLEEP })).toEqual(byPath);
    } finally {
      close(fd);
    }
  });

  it('cuts the output at the cap and says so', async () => {
    const full = expectTrace(await runStackHelper({ corePath: core, exe: SLEEP }));
    const cut = expectTrace(
      await runStackHelper({ corePath: core, exe: SLEEP, outputMaxBytes: 1200 }),
    );
    expect(cut.truncated).toBe(true);
    expect(cut.modules).toEqual(full.modules);
    const frames = cut.threads[0]?.frames ?? [];
    expect(frames.length).toBeLessThan(full.threads[0]?.frames.length ?? 0);
    expect(frames).toEqual(full.threads[0]?.frames.slice(0, frames.length));
  });

  it.for([
    ['COREDUMP_TS_LIBDW', 'libdw-missing.so.1'],
    ['COREDUMP_TS_LIBELF', 'libelf-missing.so.1'],
  ] as const)('%s=%s: libdw unavailable', async ([name, library]) => {
    const error = expectError(await runStackHelper({ corePath: core, env: { [name]: library } }));
    expect(error).toMatch(new RegExp(`^cannot load ${library.replaceAll('.', '\\.')}: `));
  });

  it('a file that is not ELF', async () => {
    const path = join(dir, 'text');
    writeFileSync(path, 'not a core\n'.repeat(100));
    expect(expectError(await runStackHelper({ corePath: path }))).toBe('not an ELF file');
  });

  it('an ELF file that is not a core', async () => {
    expect(expectError(await runStackHelper({ corePath: SLEEP }))).toBe(
      'not an ELF core file (e_type 3)',
    );
  });

  it('an ELF core with no program headers, so no notes', async () => {
    const path = join(dir, 'empty-core');
    writeFileSync(path, coreBytes.subarray(0, 64));
    const bytes = readFileSync(path);
    bytes.writeUInt16LE(0, 56); // e_phnum
    writeFileSync(path, bytes);
    expect(expectError(await runStackHelper({ corePath: path }))).toMatch(/^dwfl_/);
  });

  it.for([8, 64, 1000, 0.25, 0.5, 0.9])('a core cut at %s', async (cut) => {
    const size = cut < 1 ? Math.floor(coreBytes.length * cut) : cut;
    const path = join(dir, `cut-${String(size)}`);
    writeFileSync(path, coreBytes.subarray(0, size));
    const result = await runStackHelper({ corePath: path, exe: SLEEP });
    if (isStackError(result))
      expect(result.error).toMatch(/^(not an ELF file|bad ELF header|dwfl_)/);
    else expect(result.version).toBe(1);
  });

  it('a missing file', async () => {
    expect(expectError(await runStackHelper({ corePath: join(dir, 'nope') }))).toMatch(
      /^cannot open .*nope: No such file or directory$/,
    );
  });

  it('the deadline: killed, with the reason', async () => {
    const path = await fifo('deadline');
    expect(expectError(await runStackHelper({ corePath: path, deadlineMs: 300 }))).toBe(
      'stack helper killed at its deadline (300 ms)',
    );
    expect(
      expectError(await runStackHelper({ corePath: path, env: { [DEADLINE_ENV]: '200' } })),
    ).toBe('stack helper killed at its deadline (200 ms)');
  });

  it('runs non-dumpable, with its CPU limit; a crash of it is a reason, not a core', async () => {
    const path = await fifo('crash');
    // uid 65534 must be able to run the helper: a checkout in a 0700 directory
    // (/root/...) is out of its reach, so it runs a copy in the test's 0755 dir.
    const helperPath = join(dir, 'coredump-ts-stack');
    copyFileSync(STACK_HELPER_PATH, helperPath);
    chmodSync(helperPath, 0o755);
    const running = runStackHelper({
      corePath: path,
      helperPath,
      uid: 65534,
      gid: 65534,
      cpuLimitSec: 7,
    });
    const pid = await waitForHelper();
    // A non-dumpable process's /proc files belong to root, whoever it runs as.
    expect(readFileSync(`/proc/${String(pid)}/status`, 'utf8')).toMatch(/^Uid:\s+65534\s/m);
    expect(statSync(`/proc/${String(pid)}/status`).uid).toBe(0);
    expect(readFileSync(`/proc/${String(pid)}/limits`, 'utf8')).toMatch(
      /^Max cpu time\s+7\s+8\s+seconds/m,
    );
    expect(readFileSync(`/proc/${String(pid)}/limits`, 'utf8')).toMatch(
      /^Max core file size\s+0\s+0\s/m,
    );
    process.kill(pid, 'SIGSEGV');
    expect(expectError(await running)).toBe('stack helper was killed by SIGSEGV');
  });

  it('never loads libdebuginfod: the helper answers that dlopen itself (dw.c)', async () => {
    // sleep has no debug info installed, so libdwfl looks for a debuginfod client;
    // the loader's log (LD_DEBUG=files) shows what that lookup loaded.
    const { stdout, stderr } = await execFileAsync(
      STACK_HELPER_PATH,
      ['--core', core, '--exe', SLEEP],
      { env: { LD_DEBUG: 'files' } },
    );
    expect(expectTrace(parseStackJson(stdout)).threads).toHaveLength(1);
    expect(stderr, 'libdwfl asked for a debuginfod client').toMatch(
      /debuginfod_begin|file=libdebuginfod/,
    );
    expect(stderr).toMatch(/file=libdw\.so\.1 /);
    expect(stderr).not.toMatch(/file=libdebuginfod/);
  });

  // Other programs in the helper's place: what the caller makes of output
  // that is not the helper's.
  it.for([
    ['/bin/echo', 'stack helper printed no valid JSON'],
    ['endless', 'stack helper printed more than 1 MiB'],
    ['/bin/false', 'stack helper exited with status 1'],
    [
      '/nonexistent/helper',
      'stack helper could not start: /nonexistent/helper: No such file or directory',
    ],
  ] as const)('helper %s: %s', async ([program, reason]) => {
    let helperPath: string = program;
    if (program === 'endless') {
      helperPath = join(dir, 'endless');
      writeFileSync(helperPath, '#!/bin/sh\nexec yes\n', { mode: 0o755 });
    }
    expect(expectError(await runStackHelper({ corePath: core, helperPath }))).toBe(reason);
  });

  it('the helper gets only the library names and the malloc tunables from the environment', async () => {
    const helperPath = join(dir, 'print-env');
    // A stand-in helper that reports its whole environment as its error.
    writeFileSync(
      helperPath,
      '#!/bin/sh\nprintf \'{"version":1,"error":"%s"}\\n\' "$(env | sort | tr \'\\n\' \' \')"\nexit 5\n',
      { mode: 0o755 },
    );
    const error = expectError(
      await runStackHelper({
        corePath: core,
        helperPath,
        env: { COREDUMP_TS_LIBDW: 'libdw.so.1', DEBUGINFOD_URLS: 'http://x', LANG: 'C.UTF-8' },
      }),
    );
    const names = error
      .split(' ')
      .map((kv) => kv.split('=')[0])
      .filter(
        (n) => n !== undefined && /^[A-Z_]+$/.test(n) && n !== 'PWD' && n !== 'SHLVL' && n !== '_',
      );
    expect(names).toEqual(['COREDUMP_TS_LIBDW', 'GLIBC_TUNABLES']);
    expect(error).toContain(`GLIBC_TUNABLES=${HELPER_MALLOC_TUNABLES}`);
  });

  it('mutated cores: a trace or a reason, never a rejection', async () => {
    const head = Math.min(coreBytes.length, 64 * 1024);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(head - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 16,
        }),
        async (flips) => {
          const bytes = Buffer.from(coreBytes);
          for (const [offset, value] of flips) bytes[offset] = value;
          const path = join(dir, 'mutated');
          writeFileSync(path, bytes);
          const result = await runStackHelper({ corePath: path, exe: SLEEP, deadlineMs: 20_000 });
          if (isStackError(result)) expect(result.error).not.toBe('');
          else expect(result.version).toBe(1);
        },
      ),
      { numRuns: 15 },
    );
  }, 120_000);
});
