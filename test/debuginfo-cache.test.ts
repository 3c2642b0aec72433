// The debuginfo cache through the real pipeline: a program whose DWARF lives in a
// separate, zlib-compressed debug file (as Debian's -dbg packages ship them), crashed
// through the handler and the socket-activated worker with a debug root and a cache of
// the test's own. The worker, as root before the privilege drop, stores an uncompressed
// copy; the helper finds it first. The crash site is an inlined function: only DWARF
// names it (`poke`), the symbol table names its caller (`crash_here`), so each trace
// says whether the debug info was found.
import { execFile } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

import { buildIdOfImage } from '@coredump-ts/elf';
import { STACK_HELPER_PATH } from '@coredump-ts/stacktrace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startCrasher } from './support/crashers.js';
import { crashThrough, text } from './support/e2e.js';
import { setUpE2eFixture } from './support/e2e-fixture.js';
import { buildCompressedDebug } from './support/elf.js';

const execFileAsync = promisify(execFile);

const SOURCE = `#include <stdio.h>
#include <unistd.h>
static inline __attribute__((always_inline)) void poke(volatile int *p) { *p = 42; }
__attribute__((noinline)) void crash_here(volatile int *p) { poke(p); __asm__ volatile(""); }
int main(int argc, char **argv) {
  printf("pid=%d\\n", getpid());
  fflush(stdout);
  crash_here((volatile int *)(argc > 5 ? (void *)argv : NULL));
  return 0;
}
`;

const frame = (fn: string): RegExp =>
  new RegExp(`\\n#0 +0x[0-9a-f]{16} ${fn} \\(dbgprog \\+ 0x[0-9a-f]+\\)\\n`);

describe.skipIf(!existsSync(STACK_HELPER_PATH))('the debuginfo cache in the pipeline', () => {
  const root = mkdtempSync(join(tmpdir(), 'cdts-dbgcache-'));
  chmodSync(root, 0o755); // the crashing user and the helper traverse it
  const debugRoot = join(root, 'debug');
  const cacheDir = join(root, 'cache');
  const fixture = setUpE2eFixture({
    prefix: 'cdts-dbgcache-e2e-',
    env: () => ({ COREDUMP_TS_DEBUG_ROOT: debugRoot, COREDUMP_TS_DEBUGINFO_CACHE: cacheDir }),
  });
  let exe: string;
  let debugFile: string;
  let copy: string;

  beforeAll(async () => {
    const { program: full, debug } = await buildCompressedDebug(root, SOURCE, 'dbgprog.full');
    exe = join(root, 'dbgprog');
    await execFileAsync('objcopy', ['--strip-debug', full, exe]);
    const id = buildIdOfImage(readFileSync(exe).subarray(0, 4096));
    if (id === undefined) throw new Error('gcc wrote no build-id');
    const rel = join('.build-id', id.slice(0, 2), `${id.slice(2)}.debug`);
    debugFile = join(debugRoot, rel);
    copy = join(cacheDir, rel);
    mkdirSync(dirname(debugFile), { recursive: true });
    renameSync(debug, debugFile);
    chmodSync(exe, 0o755);
  }, 60_000);

  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  const crash = async (): Promise<string> => {
    const c = await crashThrough(fixture.pipeline, () => startCrasher(exe));
    expect(c.exit.signal).toBe('SIGSEGV');
    return text(c.entry, 'MESSAGE') ?? '';
  };

  it('the first crash stores an uncompressed copy, readable by anyone', async () => {
    expect(await crash()).toMatch(frame('poke'));
    const st = statSync(copy);
    expect(st.mode & 0o777).toBe(0o644);
    expect(st.size).toBeGreaterThan(statSync(debugFile).size);
    const { stdout } = await execFileAsync('readelf', ['-S', '-W', copy]);
    const debugSections = stdout.split('\n').filter((l) => /\.debug_/.test(l));
    expect(debugSections.length).toBeGreaterThan(3);
    // The flags column of `readelf -S -W`: C marks a compressed section.
    for (const line of debugSections) expect(line).not.toMatch(/ [A-Z]*C[A-Z]* +\d+ +\d+ +\d+$/);
    const { stdout: sections } = await execFileAsync('readelf', ['-S', '-W', debugFile]);
    expect(sections).toMatch(/\.debug_info .* C +\d+ +\d+ +\d+/);
  });

  it('a later crash is traced from the copy alone', async () => {
    const away = `${debugFile}.away`;
    renameSync(debugFile, away);
    try {
      expect(await crash()).toMatch(frame('poke'));
    } finally {
      renameSync(away, debugFile);
    }
  });

  it('without the copy or the debug file, only the symbol table names the frame', async () => {
    const away = `${debugFile}.away`;
    renameSync(debugFile, away);
    rmSync(copy);
    try {
      expect(await crash()).toMatch(frame('crash_here'));
      expect(existsSync(copy)).toBe(false);
    } finally {
      renameSync(away, debugFile);
    }
  });

  it('DebugInfoCacheMaxUse=0: no copy, the package file is read as it is', async () => {
    fixture.pipeline.dropIn('nocache', 'DebugInfoCacheMaxUse=0');
    try {
      expect(await crash()).toMatch(frame('poke'));
      expect(existsSync(copy)).toBe(false);
    } finally {
      fixture.pipeline.clearDropIns();
    }
  });

  it('a cache directory writable by others is not used', async () => {
    chmodSync(cacheDir, 0o777);
    try {
      expect(await crash()).toMatch(frame('poke'));
      expect(existsSync(copy)).toBe(false);
    } finally {
      chmodSync(cacheDir, 0o755);
    }
  });
});
