import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { createLogger, formatRecord, priorityOf } from './log.js';

describe('log', () => {
  it.for([
    [60, 2],
    [50, 3],
    [40, 4],
    [35, 5],
    [30, 6],
    [20, 7],
    [10, 7],
  ] as const)('pino level %i -> <%i>', ([level, prio]) => {
    expect(priorityOf(level)).toBe(prio);
  });
  it('formats one line per record with the error', () => {
    expect(formatRecord('{"level":50,"msg":"a\\nb","err":{"message":"boom"}}\n')).toBe(
      '<3>a b: boom\n',
    );
  });
  it('writes synchronously with prefixes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'worker-log-'));
    const fd = openSync(join(dir, 'err'), 'w');
    try {
      const log = createLogger({ COREDUMP_TS_LOG_LEVEL: 'debug' }, fd);
      log.warn('careful');
      log.notice('noted');
      log.debug('details');
      expect(readFileSync(join(dir, 'err'), 'utf8')).toBe('<4>careful\n<5>noted\n<7>details\n');
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
