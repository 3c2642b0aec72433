import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { fakeProcSys } from '../../../test/support/fake-proc-sys.js';

import {
  KernelSettingsGuard,
  formatSysctl,
  parseSysctl,
  readKernelSettings,
} from './kernel-settings.js';

describe('KernelSettingsGuard', () => {
  let procSys: string;
  beforeEach(() => {
    procSys = fakeProcSys('|/bin/previous %p', '4', '1');
  });
  afterEach(() => {
    rmSync(procSys, { recursive: true, force: true });
  });

  it('applies, then restores exactly what was there, once', () => {
    const guard = new KernelSettingsGuard(procSys);
    guard.apply({ corePattern: '|/usr/bin/node /h.js %P', corePipeLimit: '16', suidDumpable: '2' });
    expect(readKernelSettings(procSys)).toEqual({
      corePattern: '|/usr/bin/node /h.js %P',
      corePipeLimit: '16',
      suidDumpable: '2',
    });
    expect(guard.restore()).toEqual({
      corePattern: '|/bin/previous %p',
      corePipeLimit: '4',
      suidDumpable: '1',
    });
    expect(readKernelSettings(procSys)).toEqual({
      corePattern: '|/bin/previous %p',
      corePipeLimit: '4',
      suidDumpable: '1',
    });
    writeFileSync(join(procSys, 'kernel/core_pattern'), 'changed later\n');
    expect(guard.restore()).toBeUndefined();
    expect(readFileSync(join(procSys, 'kernel/core_pattern'), 'utf8')).toBe('changed later\n');
  });

  it('keeps the first saved values across several apply() calls', () => {
    const guard = new KernelSettingsGuard(procSys);
    guard.apply({ corePattern: 'a' });
    guard.apply({ corePattern: 'b' });
    guard.restore();
    expect(readKernelSettings(procSys).corePattern).toBe('|/bin/previous %p');
  });

  it('restores at process exit (the exit listener is registered while applied)', () => {
    const before = process.listenerCount('exit');
    const guard = new KernelSettingsGuard(procSys);
    guard.apply({ corePattern: 'x' });
    expect(process.listenerCount('exit')).toBe(before + 1);
    process.listeners('exit').at(-1)?.call(process, 0);
    expect(readKernelSettings(procSys).corePattern).toBe('|/bin/previous %p');
    expect(process.listenerCount('exit')).toBe(before);
  });
});

describe('sysctl text', () => {
  it('round-trips, ignoring comments and unknown keys', () => {
    const s = { corePattern: '|/x %P %u', corePipeLimit: '16', suidDumpable: '2' };
    expect(parseSysctl(`# c\nvm.swappiness=1\n${formatSysctl(s)}`)).toEqual(s);
  });
});
