// `coredump-ts collect --mode=...` through the real kernel settings (under the
// kernel lock): the socket-mode probe decides, core_pattern points at the
// supervised coredumpd manager's socket while it runs, a SIGKILLed manager
// loses no connection, and stopping puts the old pattern back before the
// manager is stopped. coredumpd's --check-requirements answer and its worker
// are test stand-ins (test/fixtures/coredumpd); the manager is the built one.
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { connectClient, FAKE_WORKER } from './support/coredumpd.js';
import { readKernelSettings, withKernelSettings } from './support/kernel.js';
import { waitFor } from './support/wait.js';

const CLI = new URL('../packages/admin/dist/main.js', import.meta.url).pathname;
const STAND_IN = new URL('./fixtures/coredumpd/coredumpd-stand-in.mjs', import.meta.url).pathname;
const MARKER = '|/bin/false coredump-ts-admin-socket-test';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'admin-socket-'));
  writeFileSync(join(dir, 'handler.js'), '// stand-in\n');
  writeFileSync(join(dir, 'worker.js'), '// stand-in\n');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Collect {
  child: ChildProcessByStdio<null, Readable, Readable>;
  output: () => string;
  exited: Promise<number | null>;
}

function startCollect(mode: string, env: Record<string, string> = {}): Collect {
  const child = spawn(process.execPath, [CLI, 'collect', `--mode=${mode}`], {
    env: {
      ...process.env,
      COREDUMP_TS_SOCKET: join(dir, 'pipe.sock'),
      COREDUMP_TS_KERNEL_SOCKET: join(dir, 'kernel'),
      COREDUMP_TS_HANDLER_BIN: join(dir, 'handler.js'),
      COREDUMP_TS_WORKER_BIN: join(dir, 'worker.js'),
      COREDUMP_TS_COREDUMPD_BIN: STAND_IN,
      COREDUMP_TS_COREDUMPD_WORKER: FAKE_WORKER,
      FAKE_WORKER_LOG: join(dir, 'workers.log'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, like a shell job: Ctrl-C is SIGINT to the whole group.
    detached: true,
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, output: () => out, exited };
}

const collecting = (c: Collect): Promise<unknown> =>
  waitFor(() => c.output().includes('collecting;') || c.child.exitCode !== null, {
    what: 'the collector to start',
    timeoutMs: 20_000,
  });

describe('coredump-ts collect --mode', () => {
  it('auto falls back to the pipe helper when the socket-mode probe fails', async () => {
    await withKernelSettings({ corePattern: MARKER }, async () => {
      const c = startCollect('auto', { FAKE_CHECK_STATUS: '1' });
      await collecting(c);
      expect(c.output()).toContain('pipe mode (--mode=auto; coredumpd --check-requirements failed');
      expect(readKernelSettings().corePattern).toBe(
        `|${process.execPath} ${join(dir, 'handler.js')} %P %u %g %s %t %c %h %d %F %I`,
      );
      c.child.kill('SIGTERM');
      expect(await c.exited).toBe(0);
      expect(readKernelSettings().corePattern).toBe(MARKER);
    });
  });

  it('socket on a machine whose probe fails is refused, and nothing changes', async () => {
    await withKernelSettings({ corePattern: MARKER }, async () => {
      const c = startCollect('socket', { FAKE_CHECK_STATUS: '1' });
      expect(await c.exited).toBe(2); // ERR_USAGE
      expect(c.output()).toContain('--mode=socket: coredumpd --check-requirements failed');
      expect(readKernelSettings().corePattern).toBe(MARKER);
    });
  });

  it('socket: @@ while running, a SIGKILLed manager loses nothing, and stopping restores the pattern first', async () => {
    await withKernelSettings({ corePattern: MARKER }, async () => {
      const c = startCollect('socket');
      await collecting(c);
      const kernelSocket = join(dir, 'kernel');
      expect(c.output()).toContain('socket mode (--mode=socket;');
      expect(readKernelSettings().corePattern).toBe(`@@${kernelSocket}`);

      const managerPid = Number(/coredumpd --manager \(pid (\d+)\)/.exec(c.output())?.[1]);
      expect(managerPid).toBeGreaterThan(0);
      process.kill(managerPid, 'SIGKILL');
      // Connected while the manager may still be down: it waits in the held socket's backlog.
      const early = connectClient(kernelSocket);
      expect(await early.firstLine).toMatch(/^served /);
      early.socket.end();
      await waitFor(() => c.output().includes('coredumpd --manager ended by SIGKILL: restarting'), {
        what: 'the restart note',
      });

      // A busy worker keeps the manager (and so the collector) from finishing its stop.
      const busy = connectClient(kernelSocket);
      const busyLine = await busy.firstLine;
      expect(busyLine).toMatch(/^served /);
      const busyPid = busyLine.split(' ')[1] ?? '';
      // Ctrl-C: SIGINT to the collector's whole process group. The manager and its
      // workers run in a group of their own and only stop when the collector says.
      process.kill(-(c.child.pid ?? 0), 'SIGINT');
      await waitFor(() => readKernelSettings().corePattern === MARKER, {
        what: 'core_pattern restored',
      });
      expect(c.child.exitCode).toBe(null); // still waiting for the running worker
      busy.socket.end();
      expect(await c.exited).toBe(0);
      expect(c.output()).toContain(`restored kernel.core_pattern=${MARKER}`);
      expect(c.output()).toMatch(/stopped coredumpd --manager \(pid \d+\)/);
      // The busy worker was not hit by the Ctrl-C: it saw its client finish.
      expect(readFileSync(join(dir, 'workers.log'), 'utf8').split('\n')).toContain(
        `done ${busyPid}`,
      );
    });
  });
});
