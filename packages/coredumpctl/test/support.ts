// Helpers for coredumpctl's integration tests: run our binary and systemd's
// side by side, inject synthetic coredump entries, crash a program through
// systemd's own helper and worker.
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const OURS = fileURLToPath(new URL('../dist/main.cjs', import.meta.url));
export const SYSTEMD = '/usr/bin/coredumpctl';
export const MESSAGE_ID_COREDUMP = 'fc2e22bc6ee647b6b90729ab34a250b1';
export const MESSAGE_ID_BACKTRACE = '1f4e0a44a88649939aaea34fc6da8c95';

export function requireBuilt(): void {
  if (!existsSync(OURS))
    throw new Error(`${OURS} is missing: run npx tsc -b packages/coredumpctl first`);
}

export interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCtl(bin: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Result {
  const cmd = bin === OURS ? process.execPath : bin;
  const argv = bin === OURS ? [OURS, ...args] : [...args];
  const r: SpawnSyncReturns<string> = spawnSync(cmd, argv, {
    encoding: 'utf8',
    env: { ...process.env, TZ: 'Europe/Berlin', SYSTEMD_COLORS: '0', SYSTEMD_PAGER: 'cat', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 28,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export const both = (
  args: readonly string[],
  env?: NodeJS.ProcessEnv,
): { ours: Result; systemd: Result } => ({
  ours: runCtl(OURS, args, env),
  systemd: runCtl(SYSTEMD, args, env),
});

/**
 * Inject one entry into the running journald. Uses `logger --journald`
 * (values must be single-line text), which is enough for synthetic entries.
 */
export async function injectEntry(fields: Record<string, string>): Promise<void> {
  const text = Object.entries(fields)
    .map(([k, v]) => `${k}=${v}\n`)
    .join('');
  await new Promise<void>((resolve, reject) => {
    const child = spawn('logger', ['--journald'], { stdio: ['pipe', 'ignore', 'inherit'] });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`logger --journald exited ${String(code)}`));
    });
    child.stdin.end(text);
  });
}

export function journalCount(...matches: string[]): number {
  const r = spawnSync('journalctl', ['-q', '-o', 'cat', '--output-fields=MESSAGE_ID', ...matches], {
    encoding: 'utf8',
  });
  return r.stdout.split('\n').filter((l) => l !== '').length;
}

/**
 * A journal of the test's own (a journald namespace, test/support/journald-namespace.ts)
 * for fabricated entries: they never reach the machine's journal, where a malformed
 * one would break systemd's own coredumpctl. Both coredumpctls read it with -D.
 */
export interface TestJournal {
  /** the namespace's journal directory: pass `--directory=` this */
  readonly dir: string;
  /** Send one entry (any bytes, newlines included) and wait until journalctl sees `count` entries for `match`. */
  inject(fields: Record<string, string | Buffer>): void;
  count(match: string): number;
  stop(): Promise<void>;
}

export async function startTestJournal(): Promise<TestJournal> {
  const { startJournaldNamespace } = await import('../../../test/support/journald-namespace.js');
  const { sendJournalEntry } = await import('@coredump-ts/journal');
  const { field } = await import('@coredump-ts/protocol');
  const ns = await startJournaldNamespace({ prefix: 'cdtsctl' });
  return {
    dir: ns.journalDir,
    inject(fields) {
      sendJournalEntry(
        Object.entries(fields).map(([name, value]) => field(name, value)),
        { socketPath: ns.socketPath },
      );
    },
    count(match) {
      const r = spawnSync(
        'journalctl',
        ['-q', '-o', 'cat', '--output-fields=MESSAGE_ID', `--directory=${ns.journalDir}`, match],
        { encoding: 'utf8' },
      );
      return r.stdout.split('\n').filter((l) => l !== '').length;
    },
    stop: () => ns.stop(),
  };
}
