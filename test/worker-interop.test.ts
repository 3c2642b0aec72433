// systemd's own kernel helper (/lib/systemd/systemd-coredump in core_pattern)
// feeding our worker: a real crash through the real kernel yields our journal
// entry and our stored file. systemd's helper always connects to
// /run/systemd/coredump, so our worker is bound there for this one test, only
// if nothing else is, and the socket is removed afterwards.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { socketActivate } from './support/activate.js';
import { compileCrasher, runCrasher } from './support/crashers.js';
import { ensureJournald, waitForJournalEntries, type JournaldHandle } from './support/journald.js';
import { withKernelSettings } from './support/kernel.js';
import { waitFor } from './support/wait.js';
import { makeSandbox, onlyFile, requireBuiltWorker, type Sandbox } from './worker-helpers.js';
import { expectTracedMessage } from './support/trace-message.js';

const SYSTEMD_HELPER = '/lib/systemd/systemd-coredump';
const SYSTEM_SOCKET = '/run/systemd/coredump';

let journald: JournaldHandle;
let s: Sandbox;

beforeAll(async () => {
  requireBuiltWorker();
  journald = await ensureJournald();
  s = makeSandbox('worker-interop-');
});
afterAll(async () => {
  rmSync(s.root, { recursive: true, force: true });
  await journald.stop();
});

describe('interop', () => {
  it.skipIf(!existsSync(SYSTEMD_HELPER))(
    "systemd's kernel helper feeds our worker: our file and our journal entry",
    async () => {
      const main = requireBuiltWorker();
      const segv = await compileCrasher('segv');
      const corePattern = `|${SYSTEMD_HELPER} %P %u %g %s %t %c %h %d`;
      // The lock serialises kernel-setting users; /run/systemd/coredump is only
      // touched while holding it, and only when free.
      const pid = await withKernelSettings(
        { corePattern, corePipeLimit: '16', suidDumpable: '2' },
        async () => {
          if (existsSync(SYSTEM_SOCKET))
            throw new Error(`${SYSTEM_SOCKET} is in use; not taking it over`);
          const activation = await socketActivate({
            socketPath: SYSTEM_SOCKET,
            command: '/usr/bin/node',
            args: [main],
            env: s.env(),
          });
          try {
            const exit = await runCrasher(segv, [], { uid: 1000 });
            expect(exit.signal).toBe('SIGSEGV');
            await waitFor(() => readdirSync(s.storage).length > 0, {
              what: 'our worker to store the core',
              timeoutMs: 30_000,
            });
            return exit.pid;
          } finally {
            await activation.stop();
          }
        },
      );
      expect(existsSync(SYSTEM_SOCKET)).toBe(false);
      const name = onlyFile(readdirSync(s.storage));
      expect(name).toMatch(
        new RegExp(`^core\\.segv\\.1000\\.[0-9a-f]{32}\\.${String(pid)}\\.[0-9]+\\.zst$`),
      );
      const [entry] = await waitForJournalEntries([
        `COREDUMP_PID=${String(pid)}`,
        'MESSAGE_ID=fc2e22bc6ee647b6b90729ab34a250b1',
        `COREDUMP_FILENAME=${join(s.storage, name)}`,
      ]);
      expectTracedMessage(
        entry?.['MESSAGE'],
        `Process ${String(pid)} (segv) of user 1000 dumped core.`,
      );
      expect(entry?.['COREDUMP_SIGNAL_NAME']).toBe('SIGSEGV');
      expect(entry?.['SYSLOG_IDENTIFIER']).toBe('systemd-coredump');
      expect(entry?.['_UID']).toBe('1000');
      // systemd's helper sent auxv and %d=1: the crashing user may read the core.
      expect(
        execFileSync('getfacl', ['-n', '-p', join(s.storage, name)], { encoding: 'utf8' }),
      ).toContain('user:1000:r--');
    },
  );
});
