import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CoredumpError, ERROR_CODES, errorCodeInfo, isCoredumpError } from './errors.js';

const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
const documented = new Map(
  [...doc.matchAll(/^\| `(ERR_[A-Z_]+)` \| (\d+) \| (\w+) \|/gm)].map((m) => [
    m[1] ?? '',
    { exitStatus: Number(m[2]), level: m[3] },
  ]),
);

describe('ERROR_CODES and docs/errors.md', () => {
  it('documents exactly the codes in the table', () => {
    expect([...documented.keys()].sort()).toEqual(ERROR_CODES.map((r) => r.code).sort());
  });

  it.for(ERROR_CODES.map((r) => [r.code, r.exitStatus, r.level] as const))(
    '%s has exit status %i and level %s in the doc',
    ([code, exitStatus, level]) => {
      expect(documented.get(code)).toEqual({ exitStatus, level });
    },
  );

  it('uses unique exit statuses in 2..125', () => {
    const statuses = ERROR_CODES.map((r) => r.exitStatus);
    expect(new Set(statuses).size).toBe(statuses.length);
    for (const s of statuses) expect(s >= 2 && s <= 125).toBe(true);
  });
});

describe('CoredumpError', () => {
  it.for([
    ['ERR_PROTOCOL', 13],
    ['ERR_CONFIG', 20],
    ['ERR_PRIVILEGES', 50],
  ] as const)('%s maps to exit status %i', ([code, status]) => {
    const cause = new Error('inner');
    const e = new CoredumpError(code, 'msg', { cause });
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe(code);
    expect(e.exitStatus).toBe(status);
    expect(e.cause).toBe(cause);
    expect(errorCodeInfo(code).exitStatus).toBe(status);
    expect(isCoredumpError(e, code)).toBe(true);
    expect(isCoredumpError(e, 'ERR_USAGE')).toBe(false);
    expect(isCoredumpError(new Error('x'))).toBe(false);
  });
});
