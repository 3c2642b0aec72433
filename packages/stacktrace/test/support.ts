// Traces for the unit tests: golden pairs captured from systemd 252 on the
// same cores (test/stacktrace-systemd.test.ts makes the same comparison
// live), and small hand-made ones.
import { readFileSync } from 'node:fs';

import { parseStackJson, type StackModule, type StackTrace } from '../src/trace.js';

/** A helper output and what systemd 252 logged for the same core (test/stacktrace-systemd.test.ts). */
interface Golden {
  helper: unknown;
  systemd: { exe: string; message: string } & Record<string, string | undefined>;
}

export function golden(name: string): { trace: StackTrace; systemd: Golden['systemd'] } {
  const file = new URL(`fixtures/${name}.json`, import.meta.url);
  const { helper, systemd } = JSON.parse(readFileSync(file, 'utf8')) as Golden;
  const trace = parseStackJson(JSON.stringify(helper));
  if ('error' in trace) throw new Error(trace.error);
  return { trace, systemd };
}

export function module(overrides: Partial<StackModule> & { name: string }): StackModule {
  return {
    path: null,
    start: '0x1000',
    end: '0x2000',
    buildId: 'abcd',
    package: null,
    ...overrides,
  };
}

export function trace(overrides: Partial<StackTrace>): StackTrace {
  return {
    version: 1,
    architecture: 'AMD x86-64',
    threads: [],
    modules: [],
    truncated: false,
    ...overrides,
  };
}
