// The shipped systemd-coredump@.service: its exposure score, and the
// directives this machine can exercise without systemd as PID 1. The worker
// runs under exactly the unit's CapabilityBoundingSet=, NoNewPrivileges= and
// UMask= (setpriv and the shell's umask apply them as systemd's exec would),
// stores a real core of uid 1000, sets the ACL, drops to that uid and sends
// the entry. Without CAP_SETUID in the set the drop fails: the set is what
// the worker needs, not a formality. The mount, seccomp, namespace and
// device directives need systemd to set them up; PID 1 here is not systemd,
// so they are only scored, not run (docs/operations.md, "Hardening").
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { useTestJournal } from './support/test-journal.js';
import {
  crashDatagrams,
  makeRealCore,
  makeSandbox,
  newTestId,
  onlyFile,
  requireBuiltWorker,
  runCrash,
  type RealCore,
  type Sandbox,
} from './worker-helpers.js';

const UNIT = new URL('../units/systemd-coredump@.service', import.meta.url).pathname;
const unitText = readFileSync(UNIT, 'utf8');
/** The last assignment of a [Service] directive, as systemd reads it. */
const directive = (name: string): string | undefined =>
  unitText
    .split('\n')
    .filter((l) => l.startsWith(`${name}=`))
    .at(-1)
    ?.slice(name.length + 1);

describe('systemd-analyze security --offline=yes', () => {
  it('scores the shipped unit below 3.0', () => {
    const r = spawnSync('systemd-analyze', ['security', '--offline=yes', '--no-pager', UNIT], {
      encoding: 'utf8',
    });
    const m = /Overall exposure level for \S+: (\d+\.\d+)/.exec(r.stdout);
    expect(m, r.stdout + r.stderr).not.toBeNull();
    expect(Number(m?.[1])).toBeLessThan(3.0);
  });
});

/** setpriv arguments for a CapabilityBoundingSet= line and NoNewPrivileges=. */
function setprivFor(capabilities: readonly string[]): string[] {
  const caps = capabilities.map((c) => `+${c.replace(/^CAP_/, '').toLowerCase()}`);
  return [
    'setpriv',
    `--bounding-set=-all${caps.length > 0 ? `,${caps.join(',')}` : ''}`,
    '--inh-caps=-all',
    ...(directive('NoNewPrivileges') === 'yes' ? ['--no-new-privs'] : []),
  ];
}

describe("the worker under the unit's capability bounding set, NoNewPrivileges= and UMask=", () => {
  const journal = useTestJournal();
  const capabilities = (directive('CapabilityBoundingSet') ?? '').split(/\s+/).filter(Boolean);
  const umask = directive('UMask') ?? '0022';
  let core: RealCore;
  let coreDir: Sandbox;
  const sandboxes: Sandbox[] = [];

  beforeAll(async () => {
    requireBuiltWorker();
    coreDir = makeSandbox('hardening-gcore-');
    core = await makeRealCore(coreDir.root);
  });
  afterAll(() => {
    for (const s of [coreDir, ...sandboxes]) rmSync(s.root, { recursive: true, force: true });
  });

  async function crashUnder(caps: readonly string[]) {
    const s = makeSandbox('hardening-', journal);
    sandboxes.push(s);
    const testId = newTestId();
    const run = await runCrash(
      s.env(),
      crashDatagrams({ testId, pid: core.pid, auxv: core.auxv }),
      core.bytes,
      { wrapper: setprivFor(caps), umask },
    );
    return { s, testId, run };
  }

  it('the unit names the capabilities the worker uses', () => {
    expect(capabilities.sort()).toEqual(['CAP_SETGID', 'CAP_SETUID', 'CAP_SYS_PTRACE']);
    expect(umask).toBe('0027');
  });

  it('stores the core 0640 with the ACL, drops to the crashing uid and logs the entry', async () => {
    const { s, testId, run } = await crashUnder(capabilities);
    expect(run.code, run.stderr).toBe(0);
    const path = join(s.storage, onlyFile(readdirSync(s.storage)));
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(execFileSync('getfacl', ['-n', '-p', path], { encoding: 'utf8' })).toContain(
      'user:1000:r--',
    );
    const [entry] = await journal.waitFor([`COREDUMP_TS_TEST_ID=${testId}`]);
    expect(entry?.['COREDUMP_FILENAME']).toBe(path);
    expect(entry?.['_UID']).toBe('1000'); // sent after the drop
  });

  it('without CAP_SETUID the drop fails: the set is not larger than needed', async () => {
    const { run } = await crashUnder(capabilities.filter((c) => c !== 'CAP_SETUID'));
    expect(run.stderr).toMatch(/EPERM|not permitted/i);
  });
});
