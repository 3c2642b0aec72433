// units/systemd-coredump-register.service's commands, run as systemd would run
// them (PID 1 here is not systemd, so the test plays the service manager: the
// ExecCondition=, ExecStart= and ExecStop= lines in order, each one failing the
// unit if it exits non-zero). Only the install prefix is mapped onto the
// checkout; the binaries (install, systemd 252's systemd-sysctl, rm) are the
// real ones. Under the kernel lock: core_pattern is machine-global. What it
// shows: starting points core_pattern at the manager's socket and touches no
// other sysctl; stopping puts back exactly what the machine's sysctl.d files
// say (the pipe pattern), and leaves no /run/sysctl.d file behind.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { readKernelSettings, withKernelSettings } from './support/kernel.js';

const ROOT = new URL('..', import.meta.url).pathname;
const UNIT = readFileSync(`${ROOT}units/systemd-coredump-register.service`, 'utf8');
const RUN_FILE = '/run/sysctl.d/60-coredump.conf';
const SYSCTL = '/lib/systemd/systemd-sysctl';

/** The unit's Key= lines, in order, with the install prefix mapped onto the checkout. */
function commands(key: string): string[][] {
  const map = (word: string): string =>
    word === '/usr/bin/node'
      ? process.execPath
      : word === '/usr/lib/coredump-ts/coredumpd.js'
        ? `${ROOT}packages/coredumpd/dist/main.cjs`
        : word.replace('/usr/lib/coredump-ts/app/', ROOT);
  return UNIT.split('\n')
    .filter((line) => line.startsWith(`${key}=`))
    .map((line) =>
      line
        .slice(key.length + 1)
        .split(/\s+/)
        .map(map),
    );
}

function run(argv: string[]): void {
  const [cmd, ...args] = argv;
  const r = spawnSync(cmd ?? '', args, { encoding: 'utf8' });
  expect({ argv, status: r.status, stderr: r.stderr }).toEqual({ argv, status: 0, stderr: '' });
}

describe('systemd-coredump-register.service', () => {
  it('the unit has the commands this test plays', () => {
    expect(commands('ExecCondition')).toHaveLength(1);
    expect(commands('ExecStart')).toHaveLength(2);
    expect(commands('ExecStop')).toHaveLength(2);
  });

  it('start points core_pattern at the socket, stop puts the sysctl.d pattern back first', async () => {
    const before = existsSync(RUN_FILE) ? readFileSync(RUN_FILE) : undefined;
    await withKernelSettings({ corePipeLimit: '7' }, async () => {
      try {
        rmSync(RUN_FILE, { force: true });
        // What the machine's own sysctl.d files say core_pattern is.
        run([SYSCTL, '--prefix=/kernel/core_pattern']);
        const configured = readKernelSettings().corePattern;
        expect(configured.startsWith('|')).toBe(true);

        for (const argv of commands('ExecCondition')) run(argv);
        for (const argv of commands('ExecStart')) run(argv);
        expect(readKernelSettings()).toMatchObject({
          corePattern: '@@/run/systemd/coredumpd/kernel',
          corePipeLimit: '7', // --prefix: nothing else is applied
        });

        for (const argv of commands('ExecStop')) run(argv);
        expect(existsSync(RUN_FILE)).toBe(false);
        expect(readKernelSettings()).toMatchObject({
          corePattern: configured,
          corePipeLimit: '7',
        });
        await Promise.resolve();
      } finally {
        if (before === undefined) rmSync(RUN_FILE, { force: true });
        else writeFileSync(RUN_FILE, before);
      }
    });
  });
});
