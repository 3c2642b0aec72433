import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

import { applyRateLimit } from './state-file.js';

const SEC = 1_000_000;
const settings = { intervalUsec: 60 * SEC, burst: 3 };
const DIST = resolve(fileURLToPath(new URL('.', import.meta.url)), '../dist/index.js');

describe('applyRateLimit', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const statePath = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'cdts-rl-'));
    dirs.push(dir);
    return join(dir, 'coredump-ts.ratelimit');
  };

  it('keeps Burst of a loop of 10 across calls, through the file', () => {
    const path = statePath();
    const out = Array.from({ length: 10 }, (_, i) =>
      applyRateLimit(path, 'unit:loop.service', (1_700_000_000 + i) * SEC, settings),
    );
    expect(out.map((o) => o.verdict)).toEqual([
      ...Array<string>(3).fill('keep'),
      ...Array<string>(7).fill('suppress'),
    ]);
    expect(out.at(-1)?.suppressed).toBe(7);
    expect(out.every((o) => o.warnings.length === 0)).toBe(true);
  });

  it('treats a corrupt or missing state file as empty, with a warning for the corrupt one', () => {
    const path = statePath();
    expect(existsSync(path)).toBe(false);
    expect(applyRateLimit(path, 'k', SEC, settings)).toEqual({
      verdict: 'keep',
      suppressed: 0,
      warnings: [],
    });
    writeFileSync(path, '{"buckets": {"k": "garbage"');
    const r = applyRateLimit(path, 'k', 2 * SEC, settings);
    expect(r.verdict).toBe('keep');
    expect(r.warnings.join('\n')).toMatch(/corrupt .*starting afresh/);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toHaveProperty('buckets.k.kept', 1);
  });

  it('a state that shrinks is cut to its new length (rewritten in place)', () => {
    const path = statePath();
    // Ten units each kept a core an hour ago: their buckets have expired and go.
    for (let i = 0; i < 10; i++) {
      applyRateLimit(path, `unit:old-${String(i)}.service`, (1_700_000_000 + i) * SEC, settings);
    }
    const before = readFileSync(path, 'utf8').length;
    const r = applyRateLimit(path, 'unit:new.service', (1_700_003_600 + 0) * SEC, settings);
    expect(r).toEqual({ verdict: 'keep', suppressed: 0, warnings: [] });
    const after = readFileSync(path, 'utf8');
    expect(after.length).toBeLessThan(before);
    expect(Object.keys((JSON.parse(after) as { buckets: object }).buckets)).toEqual([
      'unit:new.service',
    ]);
  });

  it('does not follow a symlink planted at the state path, and keeps the core', () => {
    const path = statePath();
    const target = `${path}.target`;
    writeFileSync(target, 'precious\n');
    symlinkSync(target, path);
    const r = applyRateLimit(path, 'k', SEC, settings);
    expect(r.verdict).toBe('keep');
    expect(r.warnings.join('\n')).toMatch(/Cannot open the rate limit state/);
    expect(readFileSync(target, 'utf8')).toBe('precious\n');
  });

  it('is off without touching the file when the settings are 0', () => {
    const path = statePath();
    expect(applyRateLimit(path, 'k', SEC, { intervalUsec: 0, burst: 0 }).verdict).toBe('off');
    expect(existsSync(path)).toBe(false);
  });

  it('workers at once share one budget (8 processes, Burst=3: exactly 3 kept)', async () => {
    if (!existsSync(DIST)) throw new Error(`build first: ${DIST} is missing`);
    const path = statePath();
    const script = `import(${JSON.stringify(DIST)}).then(({ applyRateLimit }) => {
      const r = applyRateLimit(${JSON.stringify(path)}, 'unit:loop.service', ${1_700_000_000 * SEC}, ${JSON.stringify(settings)});
      process.stdout.write(r.verdict);
    });`;
    const verdicts = await Promise.all(
      Array.from(
        { length: 8 },
        () =>
          new Promise<string>((done, fail) => {
            const child = spawn(process.execPath, ['--input-type=module', '-e', script]);
            let out = '';
            child.stdout.on('data', (b: Buffer) => (out += b.toString()));
            child.on('error', fail);
            child.on('exit', (code) => {
              if (code === 0) done(out);
              else fail(new Error(`child exited ${String(code)}`));
            });
          }),
      ),
    );
    expect(verdicts.filter((v) => v === 'keep')).toHaveLength(3);
    expect(verdicts.filter((v) => v === 'suppress')).toHaveLength(5);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toHaveProperty(
      ['buckets', 'unit:loop.service', 'suppressed'],
      5,
    );
  });
});
