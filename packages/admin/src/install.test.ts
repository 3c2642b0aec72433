import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { fakeProcSys } from '../../../test/support/fake-proc-sys.js';

import { AdminError } from './errors.js';
import { type Host, type RunResult } from './host.js';
import { install } from './install.js';
import { readKernelSettings } from './kernel-settings.js';
import { CORE_PIPE_LIMIT, ENTRY_MARK, defaultAppDir } from './layout.js';
import { uninstall } from './uninstall.js';

let root: string;
let procSys: string;
let calls: string[];
let app: string;

/**
 * A built tree as `npm run build` leaves it, with stand-ins for the bundles
 * and natives (their content does not matter here; admin-cli.test.ts runs the
 * real ones), plus what the build must not bring along.
 */
function fakeBuild(): string {
  const dir = mkdtempSync(join(tmpdir(), 'admin-app-'));
  const checkout = defaultAppDir();
  for (const sub of ['units', 'conf', 'package.json'])
    cpSync(join(checkout, sub), join(dir, sub), { recursive: true });
  const put = (rel: string, text: string, mode = 0o644): void => {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
    chmodSync(join(dir, rel), mode);
  };
  for (const pkg of ['handler', 'worker', 'coredumpctl', 'admin', 'coredumpd']) {
    put(`packages/${pkg}/dist/bundle/main.cjs`, `// ${pkg} bundle\n`);
    put(`packages/${pkg}/dist/bundle/inputs`, '../run.js\n');
    put(`packages/${pkg}/dist/run.js`, 'unbundled\n');
  }
  put('packages/unix/build/Release/coredump_unix.node', 'ELF unix addon');
  put('packages/unix/build/Release/obj.target/unix/addon.o', 'object');
  put('packages/zz/src/index.ts', 'no build, nothing copied');
  put('node_modules/zstd-napi/package.json', '{}');
  put('node_modules/zstd-napi/binding.js', 'binding');
  put('node_modules/zstd-napi/dist/index.js', 'index');
  put('node_modules/zstd-napi/build/Release/binding.node', 'ELF zstd');
  put('node_modules/zstd-napi/build/Release/zstd.a', 'archive');
  put('node_modules/zstd-napi/deps/zstd/lib/zstd.c', 'source');
  return dir;
}

function host(over: Partial<Host> = {}): Host {
  return {
    root,
    euid: 0,
    appDir: app,
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
  app = fakeBuild();
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(app, { recursive: true, force: true });
  rmSync(procSys, { recursive: true, force: true });
});

const at = (p: string): string => join(root, p);

describe('install into --root', () => {
  it('puts every file under root, copies the build, and a second run changes nothing', () => {
    const first = install(host());
    expect(first.done).toContain('created /etc/systemd/system/systemd-coredump.socket');
    expect(readFileSync(at('etc/sysctl.d/50-coredump.conf'), 'utf8')).toMatch(
      /^kernel\.core_pattern=\|\/usr\/bin\/node \/usr\/lib\/coredump-ts\/handler\.js /m,
    );
    expect(readFileSync(at('etc/sysusers.d/systemd-coredump.conf'), 'utf8')).toMatch(
      /^u systemd-coredump /m,
    );
    expect(existsSync(at('usr/lib/coredump-ts/app'))).toBe(false);
    expect(readFileSync(at('usr/lib/coredump-ts/worker.js'), 'utf8')).toBe(
      `#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS /usr/bin/node\n${ENTRY_MARK}\n'use strict';\nrequire("./packages/worker/dist/bundle/main.cjs");\n`,
    );
    expect(lstatSync(at('usr/lib/coredump-ts/worker.js')).mode & 0o777).toBe(0o755);
    expect(readlinkSync(at('usr/bin/coredumpctl-ts'))).toBe('../lib/coredump-ts/coredumpctl.js');
    expect(realpathSync(at('usr/bin/coredump-ts'))).toBe(at('usr/lib/coredump-ts/coredump-ts.js'));
    expect(lstatSync(at('etc/systemd/system/systemd-coredump@.service')).mode & 0o777).toBe(0o644);
    expect(first.todo.join('\n')).toContain(
      'systemctl daemon-reload && systemctl enable --now systemd-coredump.socket',
    );
    expect(readKernelSettings(procSys).corePattern).toBe('|/bin/previous %p');

    const second = install(host());
    expect(second.done).toEqual([]);
    expect(second.unchanged).toHaveLength(9);
    expect(calls).toEqual([]);
  });

  it('copies bundles, natives and zstd-napi, and nothing that only builds them', () => {
    install(host());
    const manifest = readFileSync(at('usr/lib/coredump-ts/installed-files'), 'utf8');
    const lib = manifest.split('\n').filter((l) => l.startsWith('/usr/lib/coredump-ts/'));
    expect(lib.map((l) => l.slice('/usr/lib/coredump-ts/'.length)).sort()).toEqual(
      [
        'conf/coredump.conf',
        'coredump-ts.js',
        'coredumpctl.js',
        'coredumpd.js',
        'handler.js',
        'installed-files',
        'node_modules/zstd-napi/binding.js',
        'node_modules/zstd-napi/build/Release/binding.node',
        'node_modules/zstd-napi/dist/index.js',
        'node_modules/zstd-napi/package.json',
        'package.json',
        ...['admin', 'coredumpctl', 'coredumpd', 'handler', 'worker'].flatMap((p) => [
          `packages/${p}/dist/bundle/main.cjs`,
          `packages/${p}/dist/main.cjs`,
        ]),
        'packages/unix/build/Release/coredump_unix.node',
        'units/coredump-ts-exporter.service',
        'units/coredump-ts-exporter.socket',
        'units/sysctl.d/50-coredump.conf',
        'units/sysctl.d/60-coredump.conf',
        'units/systemd-coredump-register.service',
        'units/systemd-coredump.socket',
        'units/systemd-coredump@.service',
        'units/systemd-coredumpd.service',
        'units/sysusers.d/systemd-coredump.conf',
        'units/tmpfiles.d/coredump-ts.conf',
        'worker.js',
      ].sort(),
    );
    expect(manifest).toContain('/usr/bin/coredumpctl-ts\n');
    expect(JSON.parse(readFileSync(at('usr/lib/coredump-ts/package.json'), 'utf8'))).toMatchObject({
      name: 'coredump-ts',
      type: 'commonjs',
    });
  });

  it('copies a future binary (a helper executable beside an addon) with no change to the code', () => {
    mkdirSync(join(app, 'packages/stacktrace/build/Release'), { recursive: true });
    writeFileSync(join(app, 'packages/stacktrace/build/Release/cdts-stack'), 'ELF helper');
    chmodSync(join(app, 'packages/stacktrace/build/Release/cdts-stack'), 0o755);
    mkdirSync(join(app, 'packages/future/dist/bundle'), { recursive: true });
    writeFileSync(join(app, 'packages/future/dist/bundle/main.cjs'), '// future');
    const report = install(host());
    expect(report.done.join('\n')).toMatch(
      /copied the build into \/usr\/lib\/coredump-ts \((\d+) of \1 files\)/,
    );
    expect(
      lstatSync(at('usr/lib/coredump-ts/packages/stacktrace/build/Release/cdts-stack')).mode &
        0o777,
    ).toBe(0o755);
    expect(
      readFileSync(at('usr/lib/coredump-ts/packages/future/dist/bundle/main.cjs'), 'utf8'),
    ).toBe('// future');
    // A rebuild without it: the next install removes what it copied before.
    rmSync(join(app, 'packages/future'), { recursive: true });
    expect(install(host()).done).toContain('removed 2 file(s) the new build no longer has');
    expect(existsSync(at('usr/lib/coredump-ts/packages/future'))).toBe(false);
  });

  it('refuses an incomplete build with ERR_NOT_BUILT, before writing the build', () => {
    rmSync(join(app, 'packages/worker/dist/bundle'), { recursive: true });
    expect(() => install(host())).toThrow(
      expect.objectContaining({ code: 'ERR_NOT_BUILT' }) as Error,
    );
    expect(existsSync(at('usr/lib/coredump-ts/handler.js'))).toBe(false);
  });

  it('leaves a coredumpctl-ts that is not ours on PATH, and says so', () => {
    mkdirSync(at('usr/bin'), { recursive: true });
    writeFileSync(at('usr/bin/coredumpctl-ts'), '#!/bin/sh\necho mine\n');
    const report = install(host());
    expect(report.todo).toContain('/usr/bin/coredumpctl-ts exists and is not ours: left alone');
    uninstall(host());
    expect(readFileSync(at('usr/bin/coredumpctl-ts'), 'utf8')).toBe('#!/bin/sh\necho mine\n');
  });

  it('replaces the links of an install that pointed into the checkout', () => {
    mkdirSync(at('usr/lib/coredump-ts'), { recursive: true });
    symlinkSync(app, at('usr/lib/coredump-ts/app'));
    symlinkSync('app/packages/handler/dist/main.cjs', at('usr/lib/coredump-ts/handler.js'));
    const report = install(host());
    expect(report.done).toContain(
      'removed link /usr/lib/coredump-ts/app (the build is copied now)',
    );
    expect(lstatSync(at('usr/lib/coredump-ts/handler.js')).isFile()).toBe(true);
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

  it('uninstall removes the debuginfo cache the workers made, and nothing beside it', () => {
    install(host());
    mkdirSync(at('var/cache/coredump-ts/debuginfo/.build-id/93'), { recursive: true });
    writeFileSync(at('var/cache/coredump-ts/debuginfo/.build-id/93/ac.debug'), 'copy');
    mkdirSync(at('var/cache/other'), { recursive: true });
    const report = uninstall(host());
    expect(report.done).toContain('removed the debuginfo cache /var/cache/coredump-ts/debuginfo');
    expect(existsSync(at('var/cache/coredump-ts'))).toBe(false);
    expect(existsSync(at('var/cache/other'))).toBe(true);
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
    expect(() => lstatSync(at('usr/bin/coredumpctl-ts'))).toThrow();
  });

  it('removes exactly what install added: a file an operator put in the directory stays', () => {
    install(host());
    writeFileSync(at('usr/lib/coredump-ts/NOTES'), 'mine');
    uninstall(host());
    expect(readFileSync(at('usr/lib/coredump-ts/NOTES'), 'utf8')).toBe('mine');
    expect(existsSync(at('usr/lib/coredump-ts/handler.js'))).toBe(false);
    expect(existsSync(at('usr/lib/coredump-ts/packages'))).toBe(false);
  });
});
