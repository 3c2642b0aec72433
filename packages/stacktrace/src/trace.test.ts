import { describe, expect, it } from 'vitest';

import { golden } from '../test/support.js';
import { parseStackJson, traceFieldValue } from './trace.js';

const FRAME = {
  pc: '0x0000000000401000',
  function: 'f',
  module: 'm',
  offset: '0x0',
  buildId: 'ab',
};
const MODULE = {
  name: 'm',
  path: null,
  start: '0x400000',
  end: '0x402000',
  buildId: null,
  package: null,
};
const GOOD = {
  version: 1,
  architecture: 'AMD x86-64',
  threads: [{ tid: 1, frames: [FRAME] }],
  modules: [MODULE],
  truncated: false,
};

describe('parseStackJson', () => {
  it('accepts the helper output and keeps it whole', () => {
    expect(parseStackJson(JSON.stringify(GOOD))).toEqual(GOOD);
  });

  it("passes the helper's own reason on, on one line", () => {
    expect(parseStackJson('{"version":1,"error":"cannot load libdw.so.1:\\n  gone"}')).toEqual({
      error: 'cannot load libdw.so.1: gone',
    });
  });

  const frame = (f: object): object => ({
    ...GOOD,
    threads: [{ tid: 1, frames: [{ ...FRAME, ...f }] }],
  });
  const module = (m: object): object => ({ ...GOOD, modules: [{ ...MODULE, ...m }] });
  it.for([
    ['not JSON', '{"version":1,', 'stack helper printed no valid JSON'],
    ['an array', [], 'stack helper output: the output is not an object'],
    ['version 2', { ...GOOD, version: 2 }, 'stack helper output: version is not 1'],
    [
      'no truncated',
      { ...GOOD, truncated: undefined },
      'stack helper output: truncated is not a boolean',
    ],
    [
      'threads not an array',
      { ...GOOD, threads: {} },
      'stack helper output: threads is not an array',
    ],
    [
      'tid not an integer',
      { ...GOOD, threads: [{ tid: '1', frames: [] }] },
      'stack helper output: threads[0].tid is not an integer',
    ],
    [
      'pc as a number',
      frame({ pc: 4198400 }),
      'stack helper output: threads[0].frames[0].pc is not in the expected form',
    ],
    [
      'pc past 64 bits',
      frame({ pc: '0x10000000000000000' }),
      'stack helper output: threads[0].frames[0].pc is not in the expected form',
    ],
    [
      'function a number',
      frame({ function: 1 }),
      'stack helper output: threads[0].frames[0].function is not a string',
    ],
    [
      'buildId not hex',
      frame({ buildId: 'xyz' }),
      'stack helper output: threads[0].frames[0].buildId is not in the expected form',
    ],
    [
      'module name null',
      module({ name: null }),
      'stack helper output: modules[0].name is not a string',
    ],
    [
      'package an array',
      module({ package: [] }),
      'stack helper output: modules[0].package is not an object',
    ],
  ] as const)('rejects %s', ([, value, reason]) => {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    expect(parseStackJson(text)).toEqual({ error: reason });
  });
});

describe('traceFieldValue', () => {
  it('is compact JSON that parses back to the same trace', () => {
    const { trace } = golden('pkg');
    const value = traceFieldValue(trace);
    expect(value).not.toMatch(/\n/);
    expect(parseStackJson(value)).toEqual(trace);
  });
});
