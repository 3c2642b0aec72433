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
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
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

/** A systemd size ("2G", "512M", bytes) in bytes. */
const sizeBytes = (text: string): number => {
  const m = /^([0-9]+)([KMGT]?)$/.exec(text);
  if (m === null) throw new Error(`not a size: ${text}`);
  const exp = ' KMGT'.indexOf(m[2] === '' || m[2] === undefined ? ' ' : m[2]);
  return Number(m[1]) * 1024 ** exp;
};

// PID 1 is not systemd here, so TasksMax=/MemoryMax= are applied by hand: the worker runs
// in cgroup v1 pids and memory groups with the unit's limits, for a real core stored as a
// file and for one kept in the journal (the memfd path, the most memory the worker uses).
describe("the worker within the unit's TasksMax= and MemoryMax=", () => {
  const journal = useTestJournal();
  const tasksMax = directive('TasksMax');
  const memoryMax = directive('MemoryMax');
  let core: RealCore;
  let coreDir: Sandbox;
  const sandboxes: Sandbox[] = [];

  beforeAll(async () => {
    requireBuiltWorker();
    coreDir = makeSandbox('limits-gcore-');
    core = await makeRealCore(coreDir.root);
  });
  afterAll(() => {
    for (const s of [coreDir, ...sandboxes]) rmSync(s.root, { recursive: true, force: true });
  });

  it('the unit sets both', () => {
    expect(tasksMax).toMatch(/^[0-9]+$/);
    expect(memoryMax).toMatch(/^[0-9]+[KMGT]?$/);
  });

  it.for(['external', 'journal'])(
    'Storage=%s: the crash is stored within them',
    async (storage) => {
      const name = `cdts-limits-${String(process.pid)}-${storage}`;
      const pids = join('/sys/fs/cgroup/pids', name);
      const memory = join('/sys/fs/cgroup/memory', name);
      mkdirSync(pids);
      mkdirSync(memory);
      try {
        writeFileSync(join(pids, 'pids.max'), tasksMax ?? '');
        writeFileSync(join(memory, 'memory.limit_in_bytes'), String(sizeBytes(memoryMax ?? '')));
        const s = makeSandbox('limits-', journal);
        sandboxes.push(s);
        s.writeConfig(`Storage=${storage}`);
        const testId = newTestId();
        const enter =
          'echo $$ > "$1/cgroup.procs" && echo $$ > "$2/cgroup.procs" && shift 2 && exec "$@"';
        const run = await runCrash(
          s.env(),
          crashDatagrams({ testId, pid: core.pid, auxv: core.auxv }),
          core.bytes,
          { wrapper: ['sh', '-c', enter, 'sh', pids, memory] },
        );
        expect(run.code, run.stderr).toBe(0);
        const [entry] = await journal.waitFor([`COREDUMP_TS_TEST_ID=${testId}`]);
        if (storage === 'external') expect(readdirSync(s.storage)).toHaveLength(1);
        else expect(entry?.['COREDUMP']).toBeDefined();
        expect(readFileSync(join(memory, 'memory.failcnt'), 'utf8').trim()).toBe('0');
        expect(readFileSync(join(pids, 'pids.events'), 'utf8')).toMatch(/^max 0$/m);
      } finally {
        rmdirSync(pids);
        rmdirSync(memory);
      }
    },
  );
});
