import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { AdminError } from './errors.js';
import { type Host, type RunResult } from './host.js';
import { install } from './install.js';
import { defaultAppDir } from './layout.js';
import { parseMode, renderManagerUnit, resolveMode } from './mode.js';
import { uninstall } from './uninstall.js';

describe('parseMode', () => {
  it.for([
    [undefined, 'auto'],
    ['auto', 'auto'],
    ['socket', 'socket'],
    ['pipe', 'pipe'],
  ] as const)('%s -> %s', ([text, mode]) => {
    expect(parseMode(text)).toBe(mode);
  });

  it('refuses anything else with ERR_USAGE', () => {
    expect(() => parseMode('fast')).toThrow(AdminError);
  });
});

describe('resolveMode', () => {
  it('auto picks socket when the probe passes and the pipe when it fails', () => {
    expect(resolveMode('auto', () => true).mode).toBe('socket');
    expect(resolveMode('auto', () => false)).toEqual({
      mode: 'pipe',
      why: '--mode=auto; coredumpd --check-requirements failed, so the pipe helper',
    });
  });

  it('pipe never probes; socket on a machine that cannot is an error', () => {
    expect(
      resolveMode('pipe', () => {
        throw new Error('probed');
      }).mode,
    ).toBe('pipe');
    expect(() => resolveMode('socket', () => false)).toThrow(/--mode=socket/);
  });
});

describe('renderManagerUnit', () => {
  const unit = 'Type=notify-reload\nFileDescriptorStorePreserve=yes\nKillMode=mixed\n';
  it.for([
    [252, 'Type=notify\nExecReload=kill -HUP $MAINPID\nKillMode=mixed\n'],
    [253, 'Type=notify-reload\nKillMode=mixed\n'],
    [262, unit],
  ] as const)('for systemd %d', ([version, text]) => {
    expect(renderManagerUnit(unit, version)).toBe(text);
  });
});

describe('install --mode=socket', () => {
  let root: string;
  let calls: string[];
  const host = (over: Partial<Host> = {}): Host => ({
    root,
    euid: 0,
    appDir: defaultAppDir(),
    nodePath: '/opt/node/bin/node',
    procSys: '/nonexistent',
    systemdHost: true,
    applyKernel: false,
    systemdVersion: 252,
    run: (file, args): RunResult => {
      calls.push([file, ...args].join(' '));
      const probe = args.includes('--check-requirements');
      return { status: probe ? 0 : args[0] === 'is-active' ? 3 : 0, stdout: '', stderr: '' };
    },
    ...over,
  });
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'admin-socket-root-'));
    calls = [];
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('installs both units rendered for this systemd, enables the manager, and uninstall stops it first', () => {
    const report = install(host(), 'socket');
    const unit = readFileSync(join(root, 'etc/systemd/system/systemd-coredumpd.service'), 'utf8');
    expect(unit).toContain('Type=notify\nExecReload=kill -HUP $MAINPID');
    expect(unit).toContain(
      'ExecStart=/opt/node/bin/node --jitless /usr/lib/coredump-ts/coredumpd.js --manager',
    );
    expect(existsSync(join(root, 'etc/systemd/system/systemd-coredump-register.service'))).toBe(
      true,
    );
    expect(report.done).toContain('systemctl enable --now systemd-coredumpd.service');

    calls = [];
    uninstall(host());
    expect(calls[0]).toBe('systemctl disable --now systemd-coredumpd.service');
    expect(existsSync(join(root, 'etc/systemd/system/systemd-coredumpd.service'))).toBe(false);
    expect(existsSync(join(root, 'usr/lib/coredump-ts/coredumpd.js'))).toBe(false);
  });

  it('auto installs no socket-mode unit when the probe fails', () => {
    install(
      host({
        run: (file, args) => ({
          status: args.includes('--check-requirements') ? 1 : 0,
          stdout: '',
          stderr: '',
        }),
      }),
      'auto',
    );
    expect(existsSync(join(root, 'etc/systemd/system/systemd-coredumpd.service'))).toBe(false);
  });
});
