import { describe, expect, it } from 'vitest';

import { createSdNotify, notifyAddress, watchdogIntervalMs } from './notify.js';

describe('watchdogIntervalMs', () => {
  it.for([
    [{ WATCHDOG_USEC: '20000000' }, 10_000],
    [{ WATCHDOG_USEC: '20000000', WATCHDOG_PID: '42' }, 10_000],
    [{ WATCHDOG_USEC: '20000000', WATCHDOG_PID: '43' }, undefined],
    [{ WATCHDOG_USEC: '0' }, undefined],
    [{ WATCHDOG_USEC: 'soon' }, undefined],
    [{}, undefined],
  ] as const)('%o -> %s', ([env, ms]) => {
    expect(watchdogIntervalMs(env, 42)).toBe(ms);
  });
});

describe('sd_notify', () => {
  it('maps @name to the abstract namespace', () => {
    expect(notifyAddress('@x/notify')).toBe('\0x/notify');
    expect(notifyAddress('/run/systemd/notify')).toBe('/run/systemd/notify');
  });

  it('is a no-op without NOTIFY_SOCKET', () => {
    const n = createSdNotify({});
    expect(n.enabled).toBe(false);
    expect(n.send(['READY=1'])).toBe(false);
  });
});
