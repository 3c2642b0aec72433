// The crash programs of the stack-trace tests, built together into one
// directory per version of their sources: executables and the libraries they
// load, some linked with a .note.package (ld --package-metadata, binutils
// 2.39+). Built under a temporary name and renamed, so concurrent runs never
// see half a directory; world-readable, so systemd-coredump can read them
// after dropping privileges.
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

import { CRASHERS_BUILD_DIR, CRASHERS_DIR, compileCrasher } from './crashers.js';

const execFileAsync = promisify(execFile);

const CFLAGS = ['-O0', '-g', '-Wall', '-pthread'];

/** The package notes the programs carry; the tests compare what systemd makes of them. */
export const EXE_PACKAGE_NOTE = {
  type: 'deb',
  os: 'debian',
  osVersion: '12',
  name: 'cdts-crasher',
  version: '1.2-3',
  architecture: 'amd64',
};
/** No version, and a buildId of its own that the real one must replace. */
export const LIB_PACKAGE_NOTE = {
  type: 'deb',
  name: 'cdts-lib',
  buildId: '00',
  architecture: 'amd64',
};
/** No package name at all. */
export const PLUGIN_PACKAGE_NOTE = { os: 'debian' };

const SOURCES = [
  'stack-recurse.c',
  'stack-threads70.c',
  'stack-pkg.c',
  'stack-pkg-lib.c',
  'stack-dlopen.c',
  'stack-dlopen-plugin.c',
  'stack-altstack.c',
];

export interface StackProgram {
  readonly exe: string;
  readonly args: readonly string[];
}

export interface StackPrograms {
  /** threads.c: 4 threads, the third crashes. */
  readonly threads: StackProgram;
  readonly recurse: StackProgram;
  readonly threads70: StackProgram;
  readonly abort: StackProgram;
  /** Executable and library (libcdtspkg.so.1 -> libcdtspkg.so.1.0.0) with package notes. */
  readonly pkg: StackProgram;
  /** Crashes in libcdtsplugin.so, dlopen'ed by path. */
  readonly dlopen: StackProgram;
  /** A SIGSEGV handler on a sigaltstack re-raises. */
  readonly altstack: StackProgram;
}

function packageMetadata(note: object): string[] {
  return ['-Xlinker', `--package-metadata=${JSON.stringify(note)}`];
}

async function gcc(args: readonly string[]): Promise<void> {
  await execFileAsync('gcc', [...CFLAGS, ...args]);
}

async function buildInto(dir: string): Promise<void> {
  const src = (name: string): string => join(CRASHERS_DIR, name);
  await gcc(['-o', join(dir, 'stack-recurse'), src('stack-recurse.c')]);
  await gcc(['-o', join(dir, 'stack-threads70'), src('stack-threads70.c')]);
  // A versioned library file behind its SONAME symlink, as distributions ship them.
  await gcc([
    '-shared',
    '-fPIC',
    '-Wl,-soname,libcdtspkg.so.1',
    ...packageMetadata(LIB_PACKAGE_NOTE),
    '-o',
    join(dir, 'libcdtspkg.so.1.0.0'),
    src('stack-pkg-lib.c'),
  ]);
  symlinkSync('libcdtspkg.so.1.0.0', join(dir, 'libcdtspkg.so.1'));
  await gcc([
    ...packageMetadata(EXE_PACKAGE_NOTE),
    '-Wl,-rpath,$ORIGIN',
    '-o',
    join(dir, 'stack-pkg'),
    src('stack-pkg.c'),
    join(dir, 'libcdtspkg.so.1'),
  ]);
  // No SONAME: its module is named by its file's basename.
  await gcc([
    '-shared',
    '-fPIC',
    ...packageMetadata(PLUGIN_PACKAGE_NOTE),
    '-o',
    join(dir, 'libcdtsplugin.so'),
    src('stack-dlopen-plugin.c'),
  ]);
  await gcc(['-o', join(dir, 'stack-dlopen'), src('stack-dlopen.c')]);
  await gcc(['-o', join(dir, 'stack-altstack'), src('stack-altstack.c')]);
}

export async function buildStackPrograms(): Promise<StackPrograms> {
  const hash = createHash('sha256');
  for (const name of SOURCES) hash.update(readFileSync(join(CRASHERS_DIR, name)));
  hash.update(CFLAGS.join(' '));
  const dir = join(CRASHERS_BUILD_DIR, `stack-${hash.digest('hex').slice(0, 16)}`);
  if (!existsSync(dir)) {
    const partial = `${dir}.${process.pid}.partial`;
    mkdirSync(partial, { recursive: true, mode: 0o755 });
    chmodSync(CRASHERS_BUILD_DIR, 0o755);
    chmodSync(partial, 0o755);
    try {
      await buildInto(partial);
      renameSync(partial, dir);
    } catch (error) {
      rmSync(partial, { recursive: true, force: true });
      if (!existsSync(dir)) throw new Error('building the stack crashers failed', { cause: error });
    }
  }
  const program = (exe: string, ...args: string[]): StackProgram => ({ exe: join(dir, exe), args });
  return {
    threads: { exe: await compileCrasher('threads'), args: [] },
    abort: { exe: await compileCrasher('abort'), args: [] },
    recurse: program('stack-recurse'),
    threads70: program('stack-threads70'),
    pkg: program('stack-pkg'),
    dlopen: program('stack-dlopen', join(dir, 'libcdtsplugin.so')),
    altstack: program('stack-altstack'),
  };
}
