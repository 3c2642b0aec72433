// The handler's in-process path for a crashing journald and a crashing PID 1 (spec §2.1
// steps 7-8, §3.6, §4.4), through the real kernel. A sleeper is moved into a cgroup named
// like systemd-journald.service or init.scope (in both the name=systemd and the unified
// hierarchy, so whichever the handler reads gives the unit), then killed with SIGSEGV.
// The test receiver must get nothing: the crash is submitted inside the handler, to the
// real journald and a temp storage directory. Last, an ordinary crash whose coredump socket
// is unreachable: in-process too, but with coredump.conf's limits applied as the worker
// applies them (only PID 1 and journald keep their core whatever the limits say).
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  rmdirSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MESSAGE_ID_COREDUMP } from '@coredump-ts/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corePatternLine } from '@coredump-ts/protocol';
import { compileCrasher, startCrasher, type CrasherExit } from './support/crashers.js';
import {
  ensureJournald,
  journalNow,
  waitForJournalEntries,
  type JournaldHandle,
  type JsonJournalEntry,
} from './support/journald.js';
import { readKernelSettings, withKernelSettings } from './support/kernel.js';
import {
  readKmsgFile,
  startReceiver,
  writeHandlerWrapper,
  type Receiver,
} from './support/receiver.js';
import { waitFor } from './support/wait.js';
import { expectTracedMessage } from './support/trace-message.js';

const CGROUP_ROOTS = ['/sys/fs/cgroup/systemd', '/sys/fs/cgroup/unified'].filter((root) =>
  existsSync(join(root, 'cgroup.procs')),
);
/** A slice of our own, so parallel runs never share a cgroup; the unit is what matters. */
const SLICE = `cdts-special-${process.pid}.slice`;
const BOOT_ID = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().replace(/-/g, '');
const PID1_NOTICE = 'Due to PID 1 having crashed coredump collection will now be turned off.';

const kmsgLine = (prio: number, text: string): RegExp =>
  new RegExp(`^<${prio}>systemd-coredump\\[\\d+\\]: ${text}$`, 'm');
const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface SpecialCrash {
  readonly exit: CrasherExit;
  readonly entry: JsonJournalEntry;
  /** core_pattern as it was once the entry was in the journal, before it was restored. */
  readonly corePattern: string;
  /** core_pattern the test installed. */
  readonly installed: string;
  readonly kmsg: string;
  readonly storage: string;
  /** The crasher's /proc/<pid>/cgroup, read after the move and before the crash. */
  readonly procCgroup: string;
}

describe('the handler in-process for journald and PID 1 through the real kernel', () => {
  let dir: string;
  let receiver: Receiver;
  let sleeper: string;
  let journald: JournaldHandle;

  beforeAll(async () => {
    journald = await ensureJournald();
    dir = mkdtempSync(join(tmpdir(), 'cdts-special-'));
    chmodSync(dir, 0o755);
    receiver = startReceiver(join(dir, 'sock'));
    sleeper = await compileCrasher('sleeper');
  });

  afterAll(async () => {
    receiver.close();
    rmSync(dir, { recursive: true, force: true });
    await journald.stop();
  });

  /** Removes our cgroups once empty (the kernel says EBUSY until the process is reaped). */
  async function removeCgroups(unit: string): Promise<void> {
    for (const root of CGROUP_ROOTS) {
      for (const path of [join(root, SLICE, unit), join(root, SLICE)]) {
        await waitFor(
          () => {
            if (existsSync(path)) rmdirSync(path);
            return true;
          },
          { what: `rmdir ${path}` },
        );
      }
    }
  }

  /**
   * Starts a sleeper, moves it into <SLICE>/<unit> (unless unit is undefined: then it stays
   * in the test's own cgroup), crashes it, waits for its entry.
   */
  async function crashInUnit(
    name: string,
    unit: string | undefined,
    extraEnv: Record<string, string> = {},
  ): Promise<SpecialCrash> {
    const storage = join(dir, `storage-${name}`);
    const kmsg = join(dir, `kmsg-${name}`);
    mkdirSync(storage);
    const wrapper = writeHandlerWrapper(
      dir,
      {
        COREDUMP_TS_SOCKET: receiver.socketPath,
        COREDUMP_TS_STORAGE: storage,
        COREDUMP_TS_CONFIG_ROOT: join(dir, 'no-config'),
        COREDUMP_TS_KMSG: kmsg,
        ...extraEnv,
      },
      name,
    );
    const installed = corePatternLine(wrapper);
    const roots = unit === undefined ? [] : CGROUP_ROOTS;
    for (const root of roots) mkdirSync(join(root, SLICE, unit ?? ''), { recursive: true });
    // PIDs wrap: only entries from now on count.
    const since = journalNow();
    try {
      return await withKernelSettings({ corePattern: installed, corePipeLimit: '16' }, async () => {
        const crasher = startCrasher(sleeper);
        let procCgroup: string;
        try {
          await crasher.output('pid=');
          for (const root of roots) {
            writeFileSync(join(root, SLICE, unit ?? '', 'cgroup.procs'), String(crasher.pid));
          }
          procCgroup = readFileSync(`/proc/${crasher.pid}/cgroup`, 'utf8');
          crasher.kill('SIGSEGV');
        } catch (error) {
          crasher.kill('SIGKILL');
          await crasher.exited.catch(() => undefined);
          throw error;
        }
        const exit = await crasher.exited;
        // This boot's entries for the PID, newest last: ours is the newest.
        const entries = await waitForJournalEntries(
          [
            `COREDUMP_PID=${exit.pid}`,
            `MESSAGE_ID=${MESSAGE_ID_COREDUMP}`,
            `_BOOT_ID=${BOOT_ID}`,
            'COREDUMP_COMM=sleeper',
          ],
          { timeoutMs: 60_000, sinceUsec: since },
        );
        const entry = entries.at(-1);
        if (entry === undefined) throw new Error('no journal entry');
        return {
          exit,
          entry,
          corePattern: readKernelSettings().corePattern,
          installed,
          kmsg,
          storage,
          procCgroup,
        };
      });
    } finally {
      if (unit !== undefined) await removeCgroups(unit);
    }
  }

  /** The one core file in storage, by its full path. */
  async function storedFile(storage: string, pid: number): Promise<string> {
    const names = await waitFor(
      () => {
        const found = readdirSync(storage).filter((n) => n.startsWith('core.sleeper.0.'));
        return found.length > 0 ? found : undefined;
      },
      { what: `a core file in ${storage}` },
    );
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(
      new RegExp(`^core\\.sleeper\\.0\\.[0-9a-f]{32}\\.${pid}\\.\\d+\\.zst$`),
    );
    return join(storage, names[0] ?? '');
  }

  /** Nothing ever connected to the test socket: the in-process path was taken. */
  async function expectReceiverGotNothing(): Promise<void> {
    await expect(receiver.next(0)).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  }

  it('journald: in-process, MESSAGE says where the core went, MESSAGE also on kmsg', async () => {
    const c = await crashInUnit('journald', 'systemd-journald.service');
    expect(c.procCgroup).toContain(`/${SLICE}/systemd-journald.service\n`);
    expect(c.exit.signal).toBe('SIGSEGV');
    await expectReceiverGotNothing();

    const file = await storedFile(c.storage, c.exit.pid);
    const pid = c.exit.pid;
    expect(c.entry['COREDUMP_UNIT']).toBe('systemd-journald.service');
    expect(c.entry['COREDUMP_SLICE']).toBe(SLICE);
    expect(c.entry['COREDUMP_COMM']).toBe('sleeper');
    expect(c.entry['COREDUMP_SIGNAL']).toBe('11');
    expect(c.entry['COREDUMP_FILENAME']).toBe(file);
    expectTracedMessage(
      c.entry['MESSAGE'],
      `Process ${pid} (sleeper) of user 0 dumped core.\nCoredump diverted to ${file}`,
    );

    // Logging stayed on kmsg, and the complete MESSAGE went there at LOG_ERR, line by line.
    const log = readKmsgFile(c.kmsg);
    expect(log).toMatch(
      kmsgLine(
        6,
        `Process ${pid} \\(sleeper\\) of user 0 terminated abnormally with signal 11/SIGSEGV, processing\\.\\.\\.`,
      ),
    );
    expect(log).toMatch(kmsgLine(3, `Process ${pid} \\(sleeper\\) of user 0 dumped core\\.`));
    expect(log).toMatch(kmsgLine(3, `Coredump diverted to ${escapeRe(file)}`));
    // journald is not PID 1: coredumps stay on.
    expect(log).not.toContain(PID1_NOTICE);
    expect(c.corePattern).toBe(c.installed);
  });

  it('init.scope: in-process, the PID 1 notice, and core_pattern set to |/bin/false', async () => {
    const c = await crashInUnit('pid1', 'init.scope');
    expect(c.procCgroup).toContain(`/${SLICE}/init.scope\n`);
    expect(c.exit.signal).toBe('SIGSEGV');
    await expectReceiverGotNothing();

    expect(c.corePattern).toBe('|/bin/false');
    const log = readKmsgFile(c.kmsg);
    expect(log).toMatch(kmsgLine(5, escapeRe(PID1_NOTICE)));
    expect(log).not.toContain('Coredump diverted');

    const file = await storedFile(c.storage, c.exit.pid);
    expect(c.entry['COREDUMP_UNIT']).toBe('init.scope');
    expect(c.entry['COREDUMP_COMM']).toBe('sleeper');
    expect(c.entry['COREDUMP_FILENAME']).toBe(file);
    expectTracedMessage(
      c.entry['MESSAGE'],
      `Process ${c.exit.pid} (sleeper) of user 0 dumped core.`,
    );
  });

  it('init.scope with container= set: the notice, in-process, core_pattern left alone', async () => {
    const c = await crashInUnit('pid1-container', 'init.scope', { container: 'docker' });
    expect(c.exit.signal).toBe('SIGSEGV');
    await expectReceiverGotNothing();

    expect(c.corePattern).toBe(c.installed);
    expect(readKmsgFile(c.kmsg)).toMatch(kmsgLine(5, escapeRe(PID1_NOTICE)));
    const file = await storedFile(c.storage, c.exit.pid);
    expect(c.entry['COREDUMP_UNIT']).toBe('init.scope');
    expect(c.entry['COREDUMP_FILENAME']).toBe(file);
  });

  it('an ordinary crash, socket unreachable: in-process, and ExternalSizeMax=4K still applies', async () => {
    // The same limit the worker applies with the listener up (e2e-config.test.ts): the
    // compressed core (~17 KiB) is over 4 KiB, so nothing is kept.
    const configRoot = join(dir, 'config-unreachable');
    mkdirSync(join(configRoot, 'etc/systemd/coredump.conf.d'), { recursive: true });
    writeFileSync(
      join(configRoot, 'etc/systemd/coredump.conf.d/50-size.conf'),
      '[Coredump]\nExternalSizeMax=4K\n',
    );
    const c = await crashInUnit('unreachable', undefined, {
      COREDUMP_TS_SOCKET: join(dir, 'no-listener'),
      COREDUMP_TS_CONFIG_ROOT: configRoot,
    });
    expect(c.exit.signal).toBe('SIGSEGV');
    await expectReceiverGotNothing();

    const pid = c.exit.pid;
    const log = readKmsgFile(c.kmsg);
    expect(log).toMatch(
      kmsgLine(
        4,
        'Failed to connect to coredump service: .*; processing the coredump in-process\\.',
      ),
    );
    expect(log).toMatch(
      kmsgLine(
        6,
        'The core will not be stored: size [0-9]+ is greater than 4096 \\(the configured maximum\\)',
      ),
    );
    expect(log).not.toContain(PID1_NOTICE);
    expect(c.corePattern).toBe(c.installed);
    expect(readdirSync(c.storage)).toEqual([]);
    expect(c.entry['COREDUMP_FILENAME']).toBeUndefined();
    expectTracedMessage(c.entry['MESSAGE'], `Process ${pid} (sleeper) of user 0 dumped core.`);
  });
});
