// The coredumpd manager behind a real `@@` core_pattern (Linux 6.17+, under
// the kernel lock): the kernel's connection for a real crash reaches a worker
// through the manager, and is the crashing process's (SO_PEERCRED). The worker
// is the test stand-in (it logs the peer and closes, so nothing is dumped); the
// socket-mode worker's own end-to-end tests cover the handshake and the entry.
import { release } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { compileCrasher, runCrasher } from './support/crashers.js';
import { type ManagerFixture, managerFixture } from './support/coredumpd.js';
import { withKernelSettings } from './support/kernel.js';
import { waitFor } from './support/wait.js';

let fx: ManagerFixture;
beforeEach(() => {
  fx = managerFixture();
});
afterEach(async () => {
  await fx.close();
});

/** `@@` core_patterns exist since Linux 6.17. */
const kernelHasCoredumpSocket = ((): boolean => {
  const [major = 0, minor = 0] = (/^(\d+)\.(\d+)/.exec(release())?.slice(1) ?? []).map(Number);
  return major > 6 || (major === 6 && minor >= 17);
})();

describe.runIf(kernelHasCoredumpSocket)('coredumpd --manager behind core_pattern @@', () => {
  it("hands the kernel's connection for a real crash to a worker", async () => {
    const segv = await compileCrasher('segv');
    fx.start({ FAKE_WORKER_MODE: 'peer' });
    await fx.notify.waitFor('READY=1');
    const exit = await withKernelSettings({ corePattern: `@@${fx.socketPath}` }, () =>
      runCrasher(segv),
    );
    expect(exit.signal).toBe('SIGSEGV');
    const line = await waitFor(
      () => fx.log().find((l) => l.startsWith('peer ') && l.endsWith(` ${String(exit.pid)}`)),
      { what: `the kernel connection for pid ${String(exit.pid)} in ${fx.log().join('; ')}` },
    );
    expect(line).toMatch(/^peer \d+ \d+$/);
  });
});
