// A real crash through systemd's helper and worker, then our coredumpctl and
// systemd's on the resulting entry: same list row, same info, same dumped
// bytes; our dump to a regular file is sparse.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withKernelSettings } from './support/kernel.js';
import { waitFor } from './support/wait.js';
import {
  OURS,
  both,
  journalCount,
  requireBuilt,
  runCtl,
  SYSTEMD,
} from '../packages/coredumpctl/test/support.js';
import {
  SYSTEMD_CORE_PATTERN,
  compileCrasher,
  crash,
  withSystemdWorker,
} from '../packages/coredumpctl/test/crash.js';

const SIZE_MIB = 64;
let dir: string;
let pid: number;
/** The crash's entry. PIDs wrap (pid_max is 32768 on small machines); the temp binary's path does not. */
let match: string[];

beforeAll(async () => {
  requireBuilt();
  dir = mkdtempSync(join(tmpdir(), 'cdts-crash-'));
  const binary = compileCrasher(dir);
  pid = await withKernelSettings({ corePattern: SYSTEMD_CORE_PATTERN }, () =>
    withSystemdWorker(async () => {
      const p = await crash(binary, SIZE_MIB);
      await waitFor(() => journalCount(`COREDUMP_PID=${p}`, `COREDUMP_EXE=${binary}`) > 0, {
        what: `journal entry for pid ${p}`,
        timeoutMs: 60_000,
      });
      return p;
    }),
  );
  match = [`COREDUMP_PID=${String(pid)}`, `COREDUMP_EXE=${binary}`];
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

// info's relative time ("(12s ago)") depends on when each binary ran.
const fixedAgo = (text: string): string => text.replace(/ \([^()]* ago\)$/gm, ' (ago)');

describe('systemd-produced crash', () => {
  it.for([['list'], ['--json=short', 'list'], ['info']])('%j matches systemd', (args) => {
    const { ours, systemd } = both([...args, ...match]);
    expect(ours.stdout).toContain(String(pid));
    expect(fixedAgo(ours.stdout)).toBe(fixedAgo(systemd.stdout));
    expect(ours.status).toBe(systemd.status);
  });

  it('dump gives the same bytes, and ours is sparse', () => {
    const mine = join(dir, 'ours.core');
    const theirs = join(dir, 'systemd.core');
    const a = runCtl(OURS, ['dump', '-o', mine, ...match]);
    const b = runCtl(SYSTEMD, ['dump', '-o', theirs, ...match]);
    expect(a.status).toBe(0);
    expect(b.status).toBe(0);
    expect(fixedAgo(a.stdout)).toBe(fixedAgo(b.stdout));
    const st = statSync(mine);
    expect(st.size).toBeGreaterThan(SIZE_MIB << 20);
    expect(readFileSync(mine).equals(readFileSync(theirs))).toBe(true);
    // 64 MiB of zeros with one byte per MiB: at most 64 data pages plus the rest of the core.
    expect(st.blocks * 512).toBeLessThan(st.size / 4);
  });

  it('dump to stdout (a pipe) gives the same bytes', () => {
    const a = spawnSync(process.execPath, [OURS, 'dump', ...match], {
      maxBuffer: 1 << 30,
    });
    expect(a.status).toBe(0);
    expect(a.stdout.equals(readFileSync(join(dir, 'systemd.core')))).toBe(true);
  });

  it('debug runs the debugger on the decompressed core and removes it', () => {
    const tmp = mkdtempSync(join(dir, 'tmp-'));
    const r = runCtl(
      OURS,
      [
        'debug',
        '-q',
        '--debugger=/bin/sh',
        '-A',
        '-c \'test -s "$3" && echo "$1 $2"\' sh',
        ...match,
      ],
      {
        TMPDIR: tmp,
      },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/crash-sparse -c\n$/);
    // The temporary decompressed core is gone afterwards.
    expect(readdirSync(tmp)).toEqual([]);
  });
});
