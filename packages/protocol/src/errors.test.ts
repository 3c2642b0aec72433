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

  it('uses unique exit statuses in 2..125 for the pipeline', () => {
    const statuses = ERROR_CODES.filter((r) => r.tool === 'coredump').map((r) => r.exitStatus);
    expect(statuses.length).toBeGreaterThan(20);
    expect(new Set(statuses).size).toBe(statuses.length);
    for (const s of statuses) expect(s >= 2 && s <= 125).toBe(true);
  });

  it("gives every coredumpctl code systemd's exit status 1", () => {
    const rows = ERROR_CODES.filter((r) => r.tool === 'coredumpctl');
    expect(rows.map((r) => r.code)).toContain('ERR_NOT_FOUND');
    for (const r of rows) expect([r.code, r.exitStatus]).toEqual([r.code, 1]);
  });

  it('keeps each code unique and under its own tool heading in the doc', () => {
    const codes = ERROR_CODES.map((r) => r.code);
    expect(new Set(codes).size).toBe(codes.length);
    const headingOf = new Map<string, string>();
    let heading = '';
    for (const line of doc.split('\n')) {
      if (line.startsWith('## ')) heading = line;
      const m = /^\| `(ERR_[A-Z_]+)` \| \d+ \|/.exec(line);
      if (m?.[1] !== undefined) headingOf.set(m[1], heading);
    }
    const expected = { coredump: 'crash pipeline', coredumpctl: 'coredumpctl', admin: 'admin' };
    for (const r of ERROR_CODES) expect(headingOf.get(r.code)).toContain(expected[r.tool]);
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
