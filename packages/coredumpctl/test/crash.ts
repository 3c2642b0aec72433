// Produce a real coredump entry through systemd's own helper and worker:
// core_pattern -> /lib/systemd/systemd-coredump, worker socket-activated on
// /run/systemd/coredump by systemd-socket-activate. Call inside withKernelSettings.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SYSTEMD_CORE_PATTERN =
  '|/lib/systemd/systemd-coredump %P %u %g %s %t 9223372036854775808 %h %d';
const SOCKET = '/run/systemd/coredump';

export function compileCrasher(dir: string): string {
  const src = fileURLToPath(new URL('./fixtures/crash-sparse.c', import.meta.url));
  const out = join(dir, 'crash-sparse');
  const r = spawnSync('gcc', ['-O0', '-o', out, src], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gcc failed: ${r.stderr}`);
  return out;
}

/** Run fn with systemd's worker listening; refuses if someone else holds the socket. */
export async function withSystemdWorker<T>(fn: () => Promise<T>): Promise<T> {
  if (existsSync(SOCKET)) throw new Error(`${SOCKET} is in use; not taking it over`);
  const child = spawn(
    'systemd-socket-activate',
    ['--seqpacket', '--accept', '-l', SOCKET, '/lib/systemd/systemd-coredump'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  try {
    const deadline = Date.now() + 10_000;
    while (!existsSync(SOCKET)) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error('systemd-socket-activate did not bind');
      await new Promise((r) => setTimeout(r, 50));
    }
    return await fn();
  } finally {
    if (child.pid !== undefined && child.exitCode === null) child.kill('SIGTERM');
    await new Promise((r) => {
      if (child.exitCode !== null) r(undefined);
      else child.once('close', r);
    });
    rmSync(SOCKET, { force: true });
  }
}

/** Run the crasher; returns its pid. */
export function crash(binary: string, sizeMiB: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, [String(sizeMiB)], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (_code, signal) => {
      if (signal !== 'SIGSEGV') reject(new Error(`crasher ended with ${String(signal)}`));
      else resolve(child.pid ?? -1);
    });
  });
}
