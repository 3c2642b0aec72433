// `coredump-ts collect` through the real kernel settings, the real
// systemd-socket-activate and journalctl. The handler and worker are stand-in
// files (COREDUMP_TS_*_BIN) so this runs before those packages are built; no
// crash goes through them here. The e2e suite crashes real programs.
import {
  type ChildProcess,
  type ChildProcessByStdio,
  execFileSync,
  spawn,
} from 'node:child_process';
import { type Readable } from 'node:stream';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readKernelSettings, withKernelSettings } from './support/kernel.js';

const CLI = new URL('../packages/admin/dist/main.js', import.meta.url).pathname;
const MARKER = '|/bin/false coredump-ts-admin-test';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'admin-collect-'));
  writeFileSync(join(dir, 'handler.js'), '// stand-in\n');
  writeFileSync(join(dir, 'worker.js'), '// stand-in\n');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Collectors started here, stopped before the settings are put back (each restores its own on exit). */
const started: ChildProcessByStdio<null, Readable, Readable>[] = [];
async function stopStarted(): Promise<void> {
  await Promise.all(
    started.splice(0).map(async (c) => {
      if (c.exitCode !== null || c.signalCode !== null) return;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await gone;
    }),
  );
}
/** withKernelSettings, with any collector a failed expectation left running stopped first. */
const withSettings = <T>(
  settings: Parameters<typeof withKernelSettings>[0],
  fn: () => Promise<T>,
): Promise<T> =>
  withKernelSettings(settings, async () => {
    try {
      return await fn();
    } finally {
      await stopStarted();
    }
  });

function startCollect(
  socket: string,
  extraEnv: Record<string, string> = {},
): {
  child: ChildProcessByStdio<null, Readable, Readable>;
  output: () => string;
} {
  // The pipe path: --mode=auto picks the kernel socket where the kernel has it.
  const child = spawn(process.execPath, [CLI, 'collect', '--mode=pipe'], {
    env: {
      ...process.env,
      ...extraEnv,
      COREDUMP_TS_SOCKET: socket,
      COREDUMP_TS_HANDLER_BIN: join(dir, 'handler.js'),
      COREDUMP_TS_WORKER_BIN: join(dir, 'worker.js'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  return { child, output: () => out };
}

async function until(what: string, ok: () => boolean, deadlineMs = 20_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((r) => {
        child.once('exit', (code) => {
          r(code);
        });
      });
}

const listening = (path: string): boolean =>
  readFileSync('/proc/net/unix', 'utf8')
    .split('\n')
    .some(
      (l) => l.endsWith(` ${path}`) && (parseInt(l.split(/\s+/)[3] ?? '0', 16) & 0x10000) !== 0,
    );

describe('coredump-ts collect', () => {
  it.for(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)(
    'sets our core_pattern while running and restores everything on %s',
    async (signal) => {
      await withSettings(
        { corePattern: MARKER, corePipeLimit: '3', suidDumpable: '0' },
        async () => {
          const socket = join(dir, 'coredump.sock');
          const { child, output } = startCollect(socket);
          await until(
            'collecting',
            () => output().includes('collecting;') || child.exitCode !== null,
          );
          expect(output()).toContain('collecting;');
          expect(readKernelSettings()).toEqual({
            corePattern: `|${process.execPath} ${join(dir, 'handler.js')} %P %u %g %s %t %c %h %d %F %I`,
            corePipeLimit: '64',
            suidDumpable: '2',
          });
          expect(listening(socket)).toBe(true);
          expect(statSync(socket).mode & 0o777).toBe(0o600);
          const activatorPid = Number(/systemd-socket-activate \(pid (\d+)\)/.exec(output())?.[1]);
          expect(activatorPid).toBeGreaterThan(0);

          child.kill(signal);
          expect(await exited(child)).toBe(0);
          expect(readKernelSettings()).toEqual({
            corePattern: MARKER,
            corePipeLimit: '3',
            suidDumpable: '0',
          });
          expect(listening(socket)).toBe(false);
          expect(existsSync(socket)).toBe(false);
          expect(() => process.kill(activatorPid, 0)).toThrow();
          expect(output()).toContain(`restored kernel.core_pattern=${MARKER}`);
        },
      );
    },
  );

  it('refuses a socket path another process listens on, and changes nothing', async () => {
    await withSettings({ corePattern: MARKER }, async () => {
      const socket = join(dir, 'taken.sock');
      const server = createServer();
      await new Promise<void>((r) => server.listen(socket, r));
      try {
        const { child, output } = startCollect(socket);
        expect(await exited(child)).toBe(69);
        expect(output()).toContain('already served by another process');
        expect(output()).toContain('[ERR_SOCKET_IN_USE]');
        expect(readKernelSettings().corePattern).toBe(MARKER);
      } finally {
        server.close();
      }
    });
  });

  it('replaces a stale socket file nobody listens on', async () => {
    await withSettings({ corePattern: MARKER }, async () => {
      const socket = join(dir, 'stale.sock');
      writeFileSync(socket, '');
      const { child } = startCollect(socket);
      await until('listening', () => listening(socket) || child.exitCode !== null);
      expect(listening(socket)).toBe(true);
      child.kill('SIGTERM');
      expect(await exited(child)).toBe(0);
      expect(readKernelSettings().corePattern).toBe(MARKER);
    });
  });

  it('never starts a journald for a journal socket it would not serve', async () => {
    // journald binds the standard paths whatever it is asked, taking them from the
    // journald already running: the collector must refuse, not start one.
    const journalds = (): string =>
      execFileSync('pgrep', ['-x', 'systemd-journal'], { encoding: 'utf8' }).trim();
    const before = journalds();
    await withSettings({ corePattern: MARKER }, async () => {
      const nowhere = join(dir, 'no-journal.sock');
      const { child, output } = startCollect(join(dir, 'j.sock'), {
        COREDUMP_TS_JOURNAL_SOCKET: nowhere,
      });
      expect(await exited(child)).toBe(69);
      expect(output()).toContain(`nothing serves ${nowhere} (COREDUMP_TS_JOURNAL_SOCKET)`);
      expect(output()).toContain('[ERR_NO_JOURNAL]');
      expect(readKernelSettings().corePattern).toBe(MARKER);
    });
    expect(journalds()).toBe(before);
  });

  it('refuses when the worker is not built, before touching anything', async () => {
    await withSettings({ corePattern: MARKER }, async () => {
      rmSync(join(dir, 'worker.js'));
      const { child, output } = startCollect(join(dir, 'c.sock'));
      expect(await exited(child)).toBe(69);
      expect(output()).toMatch(/the worker is not built .* run npm run build \[ERR_NOT_BUILT\]/);
      expect(readKernelSettings().corePattern).toBe(MARKER);
    });
  });
});
