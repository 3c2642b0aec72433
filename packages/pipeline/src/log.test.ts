import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { createLogger, formatLine, formatRecord, priorityOf } from './log.js';

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
  it.for([
    [{}, 'info', '<4>w\n<6>i\n'],
    [{ SYSTEMD_LOG_LEVEL: 'debug' }, 'debug', '<4>w\n<6>i\n<7>d\n'],
    [{ COREDUMP_TS_LOG_LEVEL: 'warn' }, 'warn', '<4>w\n'],
    [{ COREDUMP_TS_LOG_LEVEL: 'silent' }, 'silent', ''],
    [{ COREDUMP_TS_LOG_LEVEL: 'nonsense' }, 'info', '<4>w\n<6>i\n'],
  ] as const)('env %j -> level %s', ([env, level, text]) => {
    const dir = mkdtempSync(join(tmpdir(), 'worker-log-'));
    const fd = openSync(join(dir, 'err'), 'w');
    try {
      const log = createLogger(env, fd);
      expect(log.level).toBe(level);
      log.warn('w');
      log.info('i');
      log.debug('d');
      log.trace('t');
      expect(readFileSync(join(dir, 'err'), 'utf8')).toBe(text);
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('keeps a message on one line', () => {
    expect(formatLine(50, 'a\nb', 'boom')).toBe('<3>a b: boom\n');
  });
});
