// The test support modules against the real things they wrap.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { socketActivate } from './activate.js';
import { ensureJournald, journaldAccepts, type JournaldHandle } from './journald.js';
import { useTestJournal } from './test-journal.js';
import { waitFor } from './wait.js';

const PYTHON = '/usr/bin/python3';

/** Connect to a SOCK_SEQPACKET socket and close again (Node's net cannot). */
function seqpacketConnect(path: string): void {
  execFileSync(PYTHON, [
    '-c',
    'import socket, sys\n' +
      's = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)\n' +
      's.connect(sys.argv[1])\n' +
      's.close()\n',
    path,
  ]);
}

describe('socketActivate', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'coredump-ts-activate-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts one child per connection with exactly the environment given', async () => {
    const socketPath = join(dir, 'sock');
    process.env['COREDUMP_TS_SUPPORT_NOT_PASSED'] = 'leaked';
    const activation = await socketActivate({
      socketPath,
      command: '/bin/sh',
      // Written under a hidden name and renamed: a listed file is complete.
      args: ['-c', 'env > "$OUT_DIR/.env.$$" && mv "$OUT_DIR/.env.$$" "$OUT_DIR/env.$$"'],
      env: { OUT_DIR: dir, WITH_SPACE: 'a b=c' },
    });
    delete process.env['COREDUMP_TS_SUPPORT_NOT_PASSED'];
    try {
      seqpacketConnect(socketPath);
      seqpacketConnect(socketPath);
      const files = await waitFor(
        () => {
          const found = readdirSync(dir).filter((f) => f.startsWith('env.'));
          return found.length === 2 && found;
        },
        { what: 'two activated children to write their environment' },
      );
      for (const file of files) {
        const env = readFileSync(join(dir, file), 'utf8').split('\n');
        expect(env).toContain(`OUT_DIR=${dir}`);
        expect(env).toContain('WITH_SPACE=a b=c');
        expect(env).toContain('LISTEN_FDS=1');
        expect(env).toContain(`LISTEN_PID=${file.slice('env.'.length)}`);
        expect(env.some((line) => line.startsWith('COREDUMP_TS_SUPPORT_NOT_PASSED='))).toBe(false);
      }
    } finally {
      await activation.stop();
    }
    expect(existsSync(socketPath)).toBe(false);
    expect(() => process.kill(activation.pid, 0)).toThrow();
  });

  it('fails clearly when the socket cannot be bound', async () => {
    await expect(
      socketActivate({
        // Longer than sun_path: bind() cannot work.
        socketPath: join(dir, 'x'.repeat(120)),
        command: '/bin/true',
        timeoutMs: 5_000,
      }),
    ).rejects.toThrow(/systemd-socket-activate exited early: .*File name too long/);
  });
});

describe('ensureJournald', () => {
  let journald: JournaldHandle;
  beforeAll(async () => {
    journald = await ensureJournald();
  });
  afterAll(async () => {
    await journald.stop();
  });

  // Nothing is written to the machine's journal to check it: it accepts a
  // stream connection, and journalctl reads it.
  it('gives a journald that accepts connections and that journalctl reads', async () => {
    expect(await journaldAccepts()).toBe(true);
    expect(
      execFileSync('journalctl', ['-q', '-n', '1', '-o', 'json'], { encoding: 'utf8' }),
    ).toMatch(/"__CURSOR"/);
  });
});

describe('useTestJournal: a journald namespace for made-up entries', () => {
  const journal = useTestJournal();

  it('takes native and stream entries that journalctl --namespace reads back, and names its files', async () => {
    const tag = `coredump-ts-support-${randomUUID()}`;
    journal.inject({
      MESSAGE: 'native',
      CDTS_SUPPORT: tag,
      CDTS_BINARY: Buffer.from([0, 10, 255]),
    });
    await journal.stream(tag, 'hello from the support test\n');
    const [native] = await journal.waitFor([`CDTS_SUPPORT=${tag}`]);
    expect(native?.['CDTS_BINARY']).toEqual([0, 10, 255]);
    const [streamed] = await journal.waitFor([`SYSLOG_IDENTIFIER=${tag}`]);
    expect(streamed?.['MESSAGE']).toBe('hello from the support test');
    expect(journal.count(`CDTS_SUPPORT=${tag}`)).toBe(1);
    expect(journal.files().some((f) => f.endsWith('/system.journal'))).toBe(true);
    // ... and none of it reached the machine's journal.
    expect(
      execFileSync('journalctl', ['-q', '-o', 'cat', `CDTS_SUPPORT=${tag}`], { encoding: 'utf8' }),
    ).toBe('');
  });
});
