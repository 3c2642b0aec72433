// Issue 15 item 1, through the real kernel: any user can give their own UTS namespace a
// hostname that is not a valid one (`unshare -Ur -u`, sethostname("bad_host")). systemd
// 252 records such a crash with COREDUMP_HOSTNAME=bad_host; so must we: the handler keeps
// the value (argv.ts hostnameFieldValue) and the worker accepts it, journal entry and
// stored core both.
import { describe, expect, it } from 'vitest';
import { compileCrasher, startCrasher } from './support/crashers.js';
import { crashThrough, expectEntry, expectStoredFile, text } from './support/e2e.js';
import { setUpE2eFixture } from './support/e2e-fixture.js';

const e2e = setUpE2eFixture({ prefix: 'cdts-badhost-' });

/** Executes argv[1] in a new user + UTS namespace whose hostname is argv[0]. */
const SET_HOSTNAME =
  'import os, socket, sys; socket.sethostname(sys.argv[1]); os.execv(sys.argv[2], sys.argv[2:])';

describe('a crash from a process with an invalid hostname (real kernel)', () => {
  it.for([
    { name: 'bad_host', want: 'bad_host' },
    { name: 'a\tb', want: 'a\\tb' },
  ])('is recorded with COREDUMP_HOSTNAME=$want, as an ordinary user', async (c) => {
    const segv = await compileCrasher('segv');
    const args = ['-Ur', '-u', 'python3', '-c', SET_HOSTNAME, c.name, segv];
    const { exit, entry } = await crashThrough(e2e.pipeline, () =>
      startCrasher('/usr/bin/unshare', args, { uid: e2e.uid }),
    );
    expect(exit.signal).toBe('SIGSEGV');
    expect(text(entry, 'COREDUMP_HOSTNAME')).toBe(c.want);
    const crash = { pid: exit.pid, comm: 'segv', uid: e2e.uid };
    expectEntry(entry, { ...crash, signalName: 'SIGSEGV', signal: 11 });
    await expectStoredFile(entry, e2e.pipeline, { ...crash, acl: true });
  });
});
