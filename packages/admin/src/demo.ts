// `coredump-ts demo`: start the collector, crash a sample program, show the
// captured entry, the file and `zstd -t`, then stop and restore everything.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MESSAGE_ID_COREDUMP } from '@coredump-ts/protocol';
import { type Print, withCollector } from './collect.js';
import { fileSize, findProgram } from './collector.js';
import { type CrashEvent, describeCrash } from './crash-line.js';
import { AdminError } from './errors.js';
import { type Host } from './host.js';
import { currentCursor, followCoredumps } from './journal-follow.js';

const CRASH_DEADLINE_MS = 60_000;

const SAMPLE_C = `#include <stdio.h>
int main(void) {
  volatile int *nowhere = 0;
  puts("coredump-demo: about to dereference NULL");
  fflush(stdout);
  return *nowhere;
}
`;

/** Starts a program that will die by SIGSEGV; returns its pid. RLIMIT_CORE is raised so %c allows storing. */
function crashSample(dir: string, print: Print): number {
  const gcc = findProgram('gcc') ?? findProgram('cc');
  let command: string;
  if (gcc !== undefined) {
    writeFileSync(join(dir, 'coredump-demo.c'), SAMPLE_C);
    const built = spawnSync(
      gcc,
      ['-O0', '-g', '-o', join(dir, 'coredump-demo'), join(dir, 'coredump-demo.c')],
      { encoding: 'utf8' },
    );
    if (built.status !== 0)
      throw new AdminError('ERR_DEMO_FAILED', `compiling the sample failed: ${built.stderr}`);
    command = `exec ${join(dir, 'coredump-demo')}`;
    print(`demo: compiled ${join(dir, 'coredump-demo')}, running it`);
  } else {
    command = 'exec sleep 60';
    print('demo: no C compiler; starting sleep 60 and sending it SIGSEGV');
  }
  const child = spawn('sh', ['-c', `ulimit -c unlimited; ${command}`], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (child.pid === undefined)
    throw new AdminError('ERR_DEMO_FAILED', 'could not start the sample program');
  if (gcc === undefined) {
    const pid = child.pid;
    setTimeout(() => process.kill(pid, 'SIGSEGV'), 200);
  }
  return child.pid;
}

export async function demo(host: Host, print: Print): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'coredump-ts-demo-'));
  const cursor = currentCursor(host);
  try {
    const event = await withCollector(host, print, async (_c, signal) => {
      const follower = followCoredumps(cursor);
      try {
        const pid = crashSample(dir, print);
        const deadline = sleep(CRASH_DEADLINE_MS, undefined, { signal }).then(
          () => undefined,
          () => undefined,
        );
        const found = (async (): Promise<CrashEvent | undefined> => {
          for await (const entry of follower.entries) {
            const ev = describeCrash(entry, fileSize);
            if (ev.pid === pid) return ev;
          }
          return undefined;
        })();
        return await Promise.race([found, deadline]);
      } finally {
        follower.child.kill('SIGTERM');
      }
    });
    if (event === undefined)
      throw new AdminError(
        'ERR_DEMO_FAILED',
        'no journal entry for the sample crash within 60s (see journalctl -b -p info)',
      );
    print(`demo: captured: ${event.line}`);
    if (event.filename === undefined) return;
    print(spawnSync('ls', ['-l', event.filename], { encoding: 'utf8' }).stdout.trim());
    const test = spawnSync('zstd', ['-t', event.filename], { encoding: 'utf8' });
    print(`demo: zstd -t: ${(test.stderr + test.stdout).trim()} (status ${test.status ?? '?'})`);
    if (test.status !== 0)
      throw new AdminError('ERR_DEMO_FAILED', 'the stored core does not pass zstd -t');
    print(
      `demo: ok. Query it again with: journalctl MESSAGE_ID=${MESSAGE_ID_COREDUMP} COREDUMP_PID=${event.pid ?? ''}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
