import { describe, expect, it } from 'vitest';

import { isCoredumpError } from '@coredump-ts/protocol';

import { managerOptionsFromEnv, workerEnv } from './manager-options.js';

describe('managerOptionsFromEnv', () => {
  it("has systemd 262's values by default and runs workers from this binary", () => {
    const o = managerOptionsFromEnv({}, '/app/coredumpd/dist/main.cjs', ['--jitless']);
    expect(o).toMatchObject({
      socketPath: '/run/systemd/coredumpd/kernel',
      idleWorkers: 1,
      maxWorkers: 8,
      workerTimeoutUsec: 300_000_000,
      workerCommand: process.execPath,
      workerArgs: [
        '--no-lazy',
        '--min-semi-space-size=8',
        '--jitless',
        '/app/coredumpd/dist/main.cjs',
        '--worker',
      ],
      configRoot: '/',
    });
  });

  it('takes every override from the environment', () => {
    const o = managerOptionsFromEnv(
      {
        COREDUMP_TS_KERNEL_SOCKET: '/tmp/k',
        COREDUMP_TS_IDLE_WORKERS: '0',
        COREDUMP_TS_MAX_WORKERS: '2',
        COREDUMP_TS_WORKER_TIMEOUT_USEC: '1000',
        COREDUMP_TS_COREDUMPD_WORKER: '/t/fake.mjs',
        COREDUMP_TS_CONFIG_ROOT: '/t/root',
      },
      '/app/main.cjs',
      [],
    );
    expect(o).toMatchObject({
      socketPath: '/tmp/k',
      idleWorkers: 0,
      maxWorkers: 2,
      workerTimeoutUsec: 1000,
      workerArgs: ['--no-lazy', '--min-semi-space-size=8', '/t/fake.mjs', '--worker'],
      configRoot: '/t/root',
    });
  });

  it.for([
    ['COREDUMP_TS_MAX_WORKERS', '0'],
    ['COREDUMP_TS_MAX_WORKERS', 'eight'],
    ['COREDUMP_TS_IDLE_WORKERS', '-1'],
    ['COREDUMP_TS_WORKER_TIMEOUT_USEC', '1.5'],
  ] as const)('refuses %s=%s with ERR_USAGE', ([name, value]) => {
    let caught: unknown;
    try {
      managerOptionsFromEnv({ [name]: value }, '/app/main.cjs');
    } catch (error) {
      caught = error;
    }
    expect(isCoredumpError(caught) && caught.code).toBe('ERR_USAGE');
  });
});

describe('workerEnv', () => {
  it("drops what belongs to the manager's unit, and NODE_EXTRA_CA_CERTS, and keeps the rest", () => {
    expect(
      workerEnv({
        NOTIFY_SOCKET: '/run/systemd/notify',
        WATCHDOG_USEC: '1',
        WATCHDOG_PID: '2',
        LISTEN_FDS: '1',
        LISTEN_PID: '3',
        LISTEN_FDNAMES: 'coredump-socket',
        NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt',
        COREDUMP_TS_STORAGE: '/s',
        PATH: '/bin',
      }),
    ).toEqual({ COREDUMP_TS_STORAGE: '/s', PATH: '/bin' });
  });
});
