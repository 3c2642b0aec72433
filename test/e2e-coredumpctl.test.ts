// End to end: systemd's own coredumpctl (/usr/bin/coredumpctl, v252) lists,
// shows and dumps a crash our handler and worker recorded, and the core it
// dumps is byte for byte what the stock zstd tool decompresses from our file.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  crashProgram,
  expectEntry,
  expectStoredFile,
  sha256File,
  zstdSha256,
} from './support/e2e.js';
import { setUpE2eFixture } from './support/e2e-fixture.js';
import { isElfCore } from './support/elf.js';

const execFileAsync = promisify(execFile);
const SYSTEMD_COREDUMPCTL = '/usr/bin/coredumpctl';

// The hooks below run after the fixture's setup and before its teardown
// (vitest's sequence.hooks 'stack'): the dump dir goes first, then the
// pipeline, then journald.
const e2e = setUpE2eFixture();
/** Empty until created: the fixture's setup may fail before then. */
let out = '';
let crash: { pid: number; path: string; uid: number };

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'cdts-e2e-dump-'));
  const { exit, entry } = await crashProgram(e2e.pipeline, 'segv', [], { uid: e2e.uid });
  expectEntry(entry, {
    pid: exit.pid,
    comm: 'segv',
    uid: e2e.uid,
    signalName: 'SIGSEGV',
    signal: 11,
  });
  const path = await expectStoredFile(entry, e2e.pipeline, {
    pid: exit.pid,
    comm: 'segv',
    uid: e2e.uid,
    acl: true,
  });
  crash = { pid: exit.pid, path, uid: e2e.uid };
}, 600_000);
afterAll(() => {
  if (out !== '') rmSync(out, { recursive: true, force: true });
});

const ctl = async (args: readonly string[]): Promise<string> =>
  (
    await execFileAsync(SYSTEMD_COREDUMPCTL, ['--no-pager', ...args], {
      maxBuffer: 64 << 20,
    })
  ).stdout;

/**
 * This crash's entry and no other: the PID alone also matches an older run's
 * crash that had the same PID (this is the machine's journal), the file name
 * is under this run's own storage directory.
 */
const thisCrash = (): string[] => [
  `COREDUMP_PID=${String(crash.pid)}`,
  `COREDUMP_FILENAME=${crash.path}`,
];

describe.skipIf(!existsSync(SYSTEMD_COREDUMPCTL))("systemd's coredumpctl reads our crashes", () => {
  it('list shows the crash with its file present', async () => {
    const text = await ctl(['list', '--no-legend', ...thisCrash()]);
    const rows = text.trim().split('\n');
    expect(rows).toHaveLength(1);
    expect(rows[0]?.split(/\s+/).slice(-7)).toEqual([
      String(crash.pid),
      String(crash.uid),
      String(crash.uid),
      'SIGSEGV',
      'present',
      expect.stringMatching(/\/segv$/) as unknown as string,
      expect.stringMatching(/^[0-9.]+[BKMG]$/) as unknown as string, // SIZE
    ]);
  });

  it('info shows the pid, signal and our file as storage', async () => {
    const text = await ctl(['info', ...thisCrash()]);
    expect(text).toMatch(new RegExp(`^\\s+PID: ${String(crash.pid)} \\(segv\\)$`, 'm'));
    expect(text).toMatch(/^\s+Signal: 11 \(SEGV\)$/m);
    expect(text).toContain(`Storage: ${crash.path} (present)`);
    expect(text).toMatch(/^\s+Message: Process [0-9]+ \(segv\) of user [0-9]+ dumped core\.$/m);
  });

  it('dump gives exactly the core the kernel produced (sha256 of zstd -d of our file)', async () => {
    const dumped = join(out, 'core');
    await ctl(['dump', '-o', dumped, ...thisCrash()]);
    expect(isElfCore(readFileSync(dumped).subarray(0, 64))).toBe(true);
    expect(sha256File(dumped)).toBe(await zstdSha256(crash.path));
  });
});
