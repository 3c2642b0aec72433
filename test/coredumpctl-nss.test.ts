// Names for uids and gids come from NSS (getpwuid_r/getgrgid_r in the unix
// addon), not from /etc/passwd and /etc/group: a uid that only libnss-extrausers
// knows shows its name in `info`, as in systemd's coredumpctl (issue 14 item 7).
// The entry is made up: it goes to a journal of the test's own.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './support/wait.js';
import { EXTRAUSERS_MODULE, withExtraUsers } from '../packages/coredumpctl/test/nsswitch.js';
import {
  both,
  MESSAGE_ID_COREDUMP,
  requireBuilt,
  startTestJournal,
  type TestJournal,
} from '../packages/coredumpctl/test/support.js';

const UID = 4_012_345;
const GID = 4_012_346;
const USER = 'cdts-nss-user';
const GROUP = 'cdts-nss-group';
const MARK = `cdtsnss${String(process.pid)}`;
let journal: TestJournal | undefined;

const getent = (db: string, id: number): string => {
  try {
    return execFileSync('getent', [db, String(id)], { encoding: 'utf8' });
  } catch {
    return '';
  }
};

beforeAll(async () => {
  requireBuilt();
  if (!existsSync(EXTRAUSERS_MODULE))
    throw new Error(`${EXTRAUSERS_MODULE} is missing: apt-get install libnss-extrausers`);
  journal = await startTestJournal();
  journal.inject({
    MESSAGE_ID: MESSAGE_ID_COREDUMP,
    MESSAGE: `Process 401 (nssuser) of user ${String(UID)} dumped core.`,
    CDTS_NSS: MARK,
    COREDUMP_PID: '401',
    COREDUMP_UID: String(UID),
    COREDUMP_GID: String(GID),
    COREDUMP_OWNER_UID: String(UID),
    COREDUMP_SIGNAL: '11',
    COREDUMP_COMM: 'nssuser',
    COREDUMP_EXE: '/usr/bin/nssuser',
    COREDUMP_TIMESTAMP: '1700000000000000',
  });
  await waitFor(() => journal?.count(`CDTS_NSS=${MARK}`) === 1, { what: 'the NSS entry' });
});

afterAll(async () => {
  await journal?.stop();
});

describe('uid and gid names through NSS', () => {
  it('shows a name only libnss-extrausers knows, as systemd does', async () => {
    // Not in the files the old reader read.
    expect(readFileSync('/etc/passwd', 'utf8')).not.toContain(`:${String(UID)}:`);
    expect(readFileSync('/etc/group', 'utf8')).not.toContain(`:${String(GID)}:`);
    const args = [`--directory=${journal?.dir ?? ''}`, 'info', `CDTS_NSS=${MARK}`];
    const before = both(args);
    expect(before.ours.stdout).toContain(`UID: ${String(UID)} (${String(UID)})`);

    await withExtraUsers(
      { user: { name: USER, uid: UID, gid: GID }, group: { name: GROUP, gid: GID } },
      () => {
        // The NSS source answers (the test is about it, not about /etc/passwd).
        expect(getent('passwd', UID)).toMatch(new RegExp(`^${USER}:`));
        expect(getent('group', GID)).toMatch(new RegExp(`^${GROUP}:`));
        const { ours, systemd } = both(args);
        expect(systemd.stdout).toContain(`UID: ${String(UID)} (${USER})`);
        expect(ours.stdout).toContain(`           UID: ${String(UID)} (${USER})\n`);
        expect(ours.stdout).toContain(`           GID: ${String(GID)} (${GROUP})\n`);
        expect(ours.stdout).toContain(`     Owner UID: ${String(UID)} (${USER})\n`);
        expect(ours.stdout).toBe(systemd.stdout);
        expect(ours.status).toBe(systemd.status);
      },
    );
    // And the machine's files are as they were.
    expect(readFileSync('/etc/nsswitch.conf', 'utf8')).not.toContain('extrausers');
    expect(getent('passwd', UID)).toBe('');
  });
});
