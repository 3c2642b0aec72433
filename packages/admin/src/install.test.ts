import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { fakeProcSys } from '../../../test/support/fake-proc-sys.js';

import { AdminError } from './errors.js';
import { type Host, type RunResult } from './host.js';
import { install } from './install.js';
import { readKernelSettings } from './kernel-settings.js';
import { CORE_PIPE_LIMIT, defaultAppDir } from './layout.js';
import { uninstall } from './uninstall.js';

let root: string;
let procSys: string;
let calls: string[];

function host(over: Partial<Host> = {}): Host {
  return {
    root,
    euid: 0,
    appDir: defaultAppDir(),
    nodePath: '/usr/bin/node',
    procSys,
    systemdHost: false,
    applyKernel: false,
    systemdVersion: 252,
    run: (file, args): RunResult => {
      calls.push([file, ...args].join(' '));
      // is-active / is-enabled: "no" before the first enable
      const status =
        args[0] === 'is-active' || args[0] === 'is-enabled'
          ? calls.some((c) => c.includes('enable '))
            ? 0
            : 3
          : 0;
      return { status, stdout: '', stderr: '' };
    },
    ...over,
  };
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'admin-root-'));
  procSys = fakeProcSys('|/bin/previous %p', '0', '0');
  calls = [];
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(procSys, { recursive: true, force: true });
});

const at = (p: string): string => join(root, p);

describe('install into --root', () => {
  it('puts every file under root, links the entry points, and a second run changes nothing', () => {
    const first = install(host());
    expect(first.done).toContain('created /etc/systemd/system/systemd-coredump.socket');
    expect(readFileSync(at('etc/sysctl.d/50-coredump.conf'), 'utf8')).toMatch(
      /^kernel\.core_pattern=\|\/usr\/bin\/node \/usr\/lib\/coredump-ts\/handler\.js /m,
    );
    expect(readFileSync(at('etc/sysusers.d/systemd-coredump.conf'), 'utf8')).toMatch(
      /^u systemd-coredump /m,
    );
    expect(readlinkSync(at('usr/lib/coredump-ts/app'))).toBe(defaultAppDir());
    expect(readlinkSync(at('usr/lib/coredump-ts/worker.js'))).toBe(
      'app/packages/worker/dist/main.cjs',
    );
    expect(lstatSync(at('etc/systemd/system/systemd-coredump@.service')).mode & 0o777).toBe(0o644);
    expect(first.todo.join('\n')).toContain(
      'systemctl daemon-reload && systemctl enable --now systemd-coredump.socket',
    );
    expect(readKernelSettings(procSys).corePattern).toBe('|/bin/previous %p');

    const second = install(host());
    expect(second.done).toEqual([]);
    expect(second.unchanged).toHaveLength(10);
    expect(calls).toEqual([]);
  });

  it('never overwrites an operator coredump.conf, and uninstall leaves it', () => {
    mkdirSync(at('etc/systemd'), { recursive: true });
    writeFileSync(at('etc/systemd/coredump.conf'), '[Coredump]\nStorage=journal\n');
    const report = install(host());
    expect(
      report.unchanged.some((l) => l.startsWith('/etc/systemd/coredump.conf exists: kept')),
    ).toBe(true);
    uninstall(host());
    expect(readFileSync(at('etc/systemd/coredump.conf'), 'utf8')).toBe(
      '[Coredump]\nStorage=journal\n',
    );
  });

  it('refuses without root on the live system, allows staging as non-root', () => {
    let caught: unknown;
    try {
      install(host({ root: '/', euid: 1000 }));
    } catch (error) {
      caught = error;
    }
    expect((caught as AdminError).code).toBe('ERR_NOT_ROOT');
    expect(install(host({ euid: 1000 })).done.length).toBeGreaterThan(0);
  });
});

describe('install/uninstall with the kernel settings (temp /proc/sys)', () => {
  it('records the previous values, sets ours, and uninstall restores them', () => {
    install(host({ applyKernel: true }));
    expect(readKernelSettings(procSys)).toEqual({
      corePattern: '|/usr/bin/node /usr/lib/coredump-ts/handler.js %P %u %g %s %t %c %h %d %F %I',
      corePipeLimit: String(CORE_PIPE_LIMIT),
      suidDumpable: '2',
    });
    expect(readFileSync(at('var/lib/coredump-ts/previous-sysctl.conf'), 'utf8')).toContain(
      'kernel.core_pattern=|/bin/previous %p\n',
    );
    // A second install must not record our own pattern as "previous".
    install(host({ applyKernel: true }));
    expect(readFileSync(at('var/lib/coredump-ts/previous-sysctl.conf'), 'utf8')).toContain(
      'kernel.core_pattern=|/bin/previous %p\n',
    );

    const report = uninstall(host({ applyKernel: true }));
    expect(report.done).toContain('removed /var/lib/coredump-ts/previous-sysctl.conf');
    expect(readKernelSettings(procSys)).toEqual({
      corePattern: '|/bin/previous %p',
      corePipeLimit: '0',
      suidDumpable: '0',
    });
    expect(uninstall(host({ applyKernel: true })).done).toEqual([]);
  });

  it('leaves a core_pattern someone else set after install', () => {
    install(host({ applyKernel: true }));
    writeFileSync(join(procSys, 'kernel/core_pattern'), '|/usr/share/apport/apport %p\n');
    const report = uninstall(host({ applyKernel: true }));
    expect(report.unchanged.join('\n')).toContain('no longer ours');
    expect(readKernelSettings(procSys).corePattern).toBe('|/usr/share/apport/apport %p');
  });

  it('on a systemd host reloads, enables and starts the socket, and a second run only checks', () => {
    install(host({ applyKernel: true, systemdHost: true }));
    expect(calls.filter((c) => !c.includes(' is-'))).toEqual([
      'systemd-sysusers /etc/sysusers.d/systemd-coredump.conf',
      'systemd-tmpfiles --create /etc/tmpfiles.d/coredump-ts.conf',
      'systemctl daemon-reload',
      'systemctl enable systemd-coredump.socket',
      'systemctl start systemd-coredump.socket',
    ]);
    calls.length = 0;
    calls.push('enable (already)');
    const second = install(host({ applyKernel: true, systemdHost: true }));
    expect(second.done).toEqual([]);
    expect(calls.some((c) => c.includes('daemon-reload') || c.includes(' start '))).toBe(false);
  });
});

describe('uninstall', () => {
  it('removes only files that carry our header', () => {
    install(host());
    writeFileSync(
      at('etc/sysctl.d/50-coredump.conf'),
      'kernel.core_pattern=|/lib/systemd/systemd-coredump %P\n',
    );
    const report = uninstall(host());
    expect(report.unchanged).toContain('/etc/sysctl.d/50-coredump.conf not ours: left in place');
    expect(readFileSync(at('etc/sysctl.d/50-coredump.conf'), 'utf8')).toContain('systemd-coredump');
    expect(() => lstatSync(at('etc/systemd/system/systemd-coredump.socket'))).toThrow();
    expect(() => lstatSync(at('usr/lib/coredump-ts'))).toThrow();
  });
});
