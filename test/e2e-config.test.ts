// End to end: coredump.conf drop-ins (in the temp config root's
// etc/systemd/coredump.conf.d/) change what a real crash leaves behind.
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { promisify } from 'node:util';

import { afterEach, describe, expect, it } from 'vitest';

import { crashProgram, expectEntry, expectStoredFile, text } from './support/e2e.js';
import { setUpE2eFixture } from './support/e2e-fixture.js';
import { isElfCore } from './support/elf.js';
import { expectTracedMessage } from './support/trace-message.js';

const execFileAsync = promisify(execFile);

const e2e = setUpE2eFixture();
afterEach(() => {
  e2e.pipeline.clearDropIns();
  e2e.pipeline.clearStorage();
});

const segvEntry = (pid: number) => ({
  pid,
  comm: 'segv',
  uid: e2e.uid,
  signalName: 'SIGSEGV',
  signal: 11,
});

/** Uncompressed size of a .zst file, read by the stock zstd tool. */
async function zstdSize(path: string): Promise<number> {
  const { stdout } = await execFileAsync('sh', ['-c', 'zstd -dc -- "$1" | wc -c', 'sh', path]);
  return Number(stdout.trim());
}

describe('coredump.conf drop-ins', { timeout: 600_000 }, () => {
  it('Storage=journal: the core is in COREDUMP=, no file', async () => {
    e2e.pipeline.dropIn('50-storage', 'Storage=journal');
    const { exit, entry } = await crashProgram(e2e.pipeline, 'segv', [], { uid: e2e.uid });
    expectEntry(entry, segvEntry(exit.pid));
    expectTracedMessage(
      text(entry, 'MESSAGE'),
      `Process ${String(exit.pid)} (segv) of user ${String(e2e.uid)} dumped core.`,
    );
    expect(entry['COREDUMP_FILENAME']).toBeUndefined();
    const core = entry['COREDUMP'];
    expect(Array.isArray(core)).toBe(true);
    expect(isElfCore(Buffer.from(core as number[]))).toBe(true);
    expect(e2e.pipeline.files()).toEqual([]);
  });

  it('Storage=none: the crash is logged, nothing is kept', async () => {
    e2e.pipeline.dropIn('50-storage', 'Storage=none');
    const { exit, entry } = await crashProgram(e2e.pipeline, 'segv', [], { uid: e2e.uid });
    expectEntry(entry, segvEntry(exit.pid));
    // Nothing stored, still traced: the mini core is kept while the core is only counted.
    expectTracedMessage(
      text(entry, 'MESSAGE'),
      `Process ${String(exit.pid)} (segv) of user ${String(e2e.uid)} dumped core.`,
    );
    expect(entry['COREDUMP_FILENAME']).toBeUndefined();
    expect(entry['COREDUMP']).toBeUndefined();
    expect(e2e.pipeline.files()).toEqual([]);
  });

  it('Compress=no: a plain ELF core without .zst', async () => {
    e2e.pipeline.dropIn('50-compress', 'Compress=no');
    const { exit, entry } = await crashProgram(e2e.pipeline, 'segv', [], { uid: e2e.uid });
    expectEntry(entry, segvEntry(exit.pid));
    expectTracedMessage(
      text(entry, 'MESSAGE'),
      `Process ${String(exit.pid)} (segv) of user ${String(e2e.uid)} dumped core.`,
    );
    const path = await expectStoredFile(entry, e2e.pipeline, {
      pid: exit.pid,
      comm: 'segv',
      uid: e2e.uid,
      acl: true,
      compressed: false,
    });
    expect(path.endsWith('.zst')).toBe(false);
    expect(e2e.pipeline.files()).toHaveLength(1);
  });

  it('ProcessSizeMax= and ExternalSizeMax= 1M: an 8 MiB core is truncated to 1 MiB and kept', async () => {
    e2e.pipeline.dropIn('50-size', 'ProcessSizeMax=1M\nExternalSizeMax=1M');
    const { exit, entry } = await crashProgram(e2e.pipeline, 'alloc', ['8', 'touch'], {
      uid: e2e.uid,
    });
    expectEntry(entry, { ...segvEntry(exit.pid), comm: 'alloc' });
    expect(text(entry, 'COREDUMP_TRUNCATED')).toBe('1');
    const path = await expectStoredFile(entry, e2e.pipeline, {
      pid: exit.pid,
      comm: 'alloc',
      uid: e2e.uid,
      acl: true,
    });
    expect(await zstdSize(path)).toBe(1 << 20);
  });

  it('ExternalSizeMax= smaller than the compressed core: logged, file not kept', async () => {
    e2e.pipeline.dropIn('50-size', 'ExternalSizeMax=4K');
    const before = e2e.pipeline.activation?.output().length ?? 0;
    const { exit, entry } = await crashProgram(e2e.pipeline, 'segv', [], { uid: e2e.uid });
    expectEntry(entry, segvEntry(exit.pid));
    expect(entry['COREDUMP_FILENAME']).toBeUndefined();
    expect(entry['COREDUMP_TRUNCATED']).toBeUndefined();
    expect(e2e.pipeline.files()).toEqual([]);
    // The worker's diagnostic (its stderr is systemd-socket-activate's).
    expect(e2e.pipeline.activation?.output().slice(before)).toMatch(
      /The core will not be stored: size [0-9]+ is greater than 4096 \(the configured maximum\)/,
    );
  });

  it('MaxUse=: older cores are vacuumed, the newest is kept', async () => {
    e2e.pipeline.dropIn('50-vacuum', 'MaxUse=1');
    const paths: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { exit, entry } = await crashProgram(e2e.pipeline, 'segv', [], { uid: e2e.uid });
      expectEntry(entry, segvEntry(exit.pid));
      const path = text(entry, 'COREDUMP_FILENAME');
      expect(path).toBeDefined();
      paths.push(path ?? '');
      // Linked, then everything older than it removed.
      expect(statSync(path ?? '').isFile()).toBe(true);
      expect(e2e.pipeline.files()).toHaveLength(1);
    }
    const newest = paths.at(-1) ?? '';
    expect(e2e.pipeline.files()).toEqual([basename(newest)]);
    expect(paths.slice(0, -1).filter((f) => existsSync(f))).toEqual([]);
  });
});
