// Real cores for the mini-core tests: the crash programs of test/fixtures/crashers/mc-*.c
// (plus alloc.c), built with their shared libraries, crashed by the real
// kernel with core_pattern pointing at a file in a temp dir (changed under the kernel
// lock, restored after), and the tools that read cores (eu-stack, gdb).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { compileCrasher, CRASHERS_BUILD_DIR, CRASHERS_DIR, runCrasher } from './crashers.js';
import { withKernelSettings } from './kernel.js';

const execFileAsync = promisify(execFile);

export interface CrashProgram {
  readonly name: string;
  readonly exe: string;
  readonly args: readonly string[];
}

const CFLAGS = ['-O0', '-g', '-Wall', '-fno-omit-frame-pointer'];
const SOURCES = [
  'mc-chain',
  'mc-recurse',
  'mc-lib',
  'mc-libcrash',
  'mc-dlopen',
  'mc-altstack',
  'mc-threads',
  'mc-overflow',
];

async function gcc(args: readonly string[], output: string): Promise<void> {
  const partial = `${output}.${process.pid}.partial`;
  try {
    await execFileAsync('gcc', [...CFLAGS, ...args, '-o', partial]);
    chmodSync(partial, 0o755);
    renameSync(partial, output);
  } catch (error) {
    rmSync(partial, { force: true });
    throw new Error(`gcc ${args.join(' ')} failed`, { cause: error });
  }
}

/** Build every mini-core test program (cached by source hash) and say how to run each. */
export async function buildMiniCorePrograms(): Promise<CrashProgram[]> {
  const hash = createHash('sha256');
  for (const s of SOURCES) hash.update(readFileSync(join(CRASHERS_DIR, `${s}.c`)));
  const dir = join(
    CRASHERS_BUILD_DIR,
    `mini-core-${hash.update(CFLAGS.join(' ')).digest('hex').slice(0, 16)}`,
  );
  const src = (name: string): string => join(CRASHERS_DIR, `${name}.c`);
  const out = (name: string): string => join(dir, name);
  if (!existsSync(out('mc-overflow'))) {
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o755);
    // The crashing library, linked by path: no SONAME.
    await gcc(['-shared', '-fPIC', src('mc-lib')], out('libmccrash.so'));
    // The same code as a versioned library: file libmcver.so.1.0.0, SONAME libmcver.so.1.
    await gcc(
      ['-shared', '-fPIC', '-Wl,-soname,libmcver.so.1', src('mc-lib')],
      out('libmcver.so.1.0.0'),
    );
    for (const link of ['libmcver.so.1', 'libmcver.so']) {
      rmSync(out(link), { force: true });
      symlinkSync('libmcver.so.1.0.0', out(link));
    }
    await gcc([src('mc-libcrash'), out('libmccrash.so'), `-Wl,-rpath,${dir}`], out('mc-libcrash'));
    await gcc([src('mc-libcrash'), `-L${dir}`, '-lmcver', `-Wl,-rpath,${dir}`], out('mc-soname'));
    await gcc([src('mc-dlopen'), '-ldl'], out('mc-dlopen'));
    await gcc([src('mc-chain')], out('mc-chain'));
    await gcc([src('mc-recurse')], out('mc-recurse'));
    await gcc([src('mc-altstack')], out('mc-altstack'));
    await gcc(['-pthread', src('mc-threads')], out('mc-threads'));
    await gcc([src('mc-overflow')], out('mc-overflow'));
  }
  return [
    { name: 'chain', exe: out('mc-chain'), args: [] },
    // Four threads in pause(), main crashes.
    { name: 'threads', exe: out('mc-threads'), args: ['4'] },
    { name: 'recurse', exe: out('mc-recurse'), args: [] },
    { name: 'shared-lib', exe: out('mc-libcrash'), args: [] },
    { name: 'heap-256m', exe: await compileCrasher('alloc'), args: ['256', 'touch'] },
    { name: 'dlopen', exe: out('mc-dlopen'), args: [out('libmccrash.so')] },
    { name: 'soname', exe: out('mc-soname'), args: [] },
    { name: 'altstack', exe: out('mc-altstack'), args: [] },
    { name: 'altstack-inside', exe: out('mc-altstack'), args: ['inside'] },
    { name: 'threads70', exe: out('mc-threads'), args: ['69'] },
    { name: 'overflow', exe: out('mc-overflow'), args: [] },
  ];
}

/**
 * Crash each program once with core_pattern = <dir>/core.%p (under the kernel lock,
 * restored after) and return the core file of each, by program name.
 */
export async function dumpCores(
  programs: readonly CrashProgram[],
  dir: string,
): Promise<Map<string, string>> {
  const cores = new Map<string, string>();
  await withKernelSettings({ corePattern: join(dir, 'core.%p') }, async () => {
    for (const program of programs) {
      const exit = await runCrasher(program.exe, program.args);
      if (exit.signal !== 'SIGSEGV') {
        throw new Error(
          `${program.name} ended with ${String(exit.signal ?? exit.code)}: ${exit.stderr}`,
        );
      }
      const core = join(dir, `core.${exit.pid}`);
      if (!existsSync(core)) throw new Error(`${program.name}: no core at ${core}`);
      cores.set(program.name, core);
    }
  });
  return cores;
}

/** Split eu-stack or gdb output into one block of lines per thread, by TID/LWP. */
export function framesByThread(text: string): Map<number, string> {
  const threads = new Map<number, string>();
  let tid: number | undefined;
  for (const line of text.split('\n')) {
    const header = /^(?:TID (\d+):|Thread \d+ \(LWP (\d+)\):)$/.exec(line);
    if (header !== null) {
      tid = Number(header[1] ?? header[2]);
      threads.set(tid, '');
    } else if (tid !== undefined && line.startsWith('#')) {
      threads.set(tid, `${threads.get(tid) ?? ''}${line}\n`);
    }
  }
  return threads;
}

/** eu-stack's frames for a core (module names included), PID/TID lines kept. */
export async function euStack(core: string, exe: string): Promise<string> {
  const { stdout } = await execFileAsync('eu-stack', ['-m', `--core=${core}`, '-e', exe], {
    maxBuffer: 16 << 20,
  }).catch((error: unknown) => {
    // eu-stack exits 1 when some thread could not be unwound to the end; keep its output.
    const e = error as { stdout?: string };
    if (typeof e.stdout === 'string') return { stdout: e.stdout };
    throw error;
  });
  return stdout;
}

/**
 * gdb's `thread apply all bt` (innermost `frames` only, if given) for a core, with the thread headers reduced to the LWP
 * (libthread_db may or may not name the pthread) and gdb's banner lines dropped.
 */
export async function gdbBacktrace(core: string, exe: string, frames?: number): Promise<string> {
  const bt = frames === undefined ? 'thread apply all bt' : `thread apply all bt ${frames}`;
  const { stdout } = await execFileAsync(
    'gdb',
    ['-batch', '-nx', '-ex', 'set debuginfod enabled off', '-ex', bt, exe, core],
    { maxBuffer: 16 << 20 },
  );
  return stdout
    .split('\n')
    .map((line) => line.replace(/^Thread (\d+) \(.*LWP (\d+)\)\)?:?$/, 'Thread $1 (LWP $2):'))
    .filter((line) => line.startsWith('#') || line.startsWith('Thread '))
    .join('\n');
}
