import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  decide,
  EMPTY_STATE,
  formatState,
  MAX_BUCKETS,
  parseState,
  rateLimitKey,
  type RateLimitState,
} from './decide.js';

const SEC = 1_000_000;
const runs = Number(process.env['FC_NUM_RUNS'] ?? 200);

function loop(n: number, burst: number, intervalUsec: number, stepUsec: number) {
  let state: RateLimitState = EMPTY_STATE;
  const out: { verdict: string; suppressed: number }[] = [];
  for (let i = 0; i < n; i++) {
    const d = decide(state, 'unit:loop.service', 1_700_000_000 * SEC + i * stepUsec, {
      intervalUsec,
      burst,
    });
    state = d.state;
    out.push({ verdict: d.verdict, suppressed: d.suppressed });
  }
  return out;
}

describe('decide', () => {
  it('a crash loop of 10 with Burst=3 keeps 3 and counts the rest', () => {
    const out = loop(10, 3, 60 * SEC, SEC);
    expect(out.map((o) => o.verdict)).toEqual([
      ...Array<string>(3).fill('keep'),
      ...Array<string>(7).fill('suppress'),
    ]);
    expect(out.slice(3).map((o) => o.suppressed)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('keeps again in the next interval and reports what was suppressed before', () => {
    const out = loop(6, 2, 10 * SEC, 3 * SEC); // t = 0 3 6 9 | 12 15
    expect(out.map((o) => o.verdict)).toEqual([
      'keep',
      'keep',
      'suppress',
      'suppress',
      'keep',
      'keep',
    ]);
    expect(out[4]?.suppressed).toBe(2);
    expect(out[5]?.suppressed).toBe(0);
  });

  it('is off when either setting is 0, and leaves the state alone', () => {
    for (const s of [
      { intervalUsec: 0, burst: 3 },
      { intervalUsec: SEC, burst: 0 },
    ]) {
      const d = decide(EMPTY_STATE, 'k', 1, s);
      expect(d).toEqual({ verdict: 'off', suppressed: 0, state: EMPTY_STATE });
    }
  });

  it('never keeps more than Burst per key in any one interval, whatever the order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 100 }),
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 0, max: 40 })), {
          maxLength: 60,
        }),
        (burst, intervalSec, events) => {
          const sorted = [...events].sort((x, y) => x[1] - y[1]);
          let state: RateLimitState = EMPTY_STATE;
          const kept = new Map<string, number[]>();
          for (const [key, t] of sorted) {
            const d = decide(state, key, t * SEC, { intervalUsec: intervalSec * SEC, burst });
            state = d.state;
            if (d.verdict === 'keep') kept.set(key, [...(kept.get(key) ?? []), t]);
          }
          for (const times of kept.values()) {
            // Windows start at a kept crash: no Burst+1 kept crashes within one interval.
            for (let i = burst; i < times.length; i++) {
              expect((times[i] as number) - (times[i - burst] as number)).toBeGreaterThanOrEqual(0);
            }
          }
          // No key ever keeps more than Burst with all events inside one interval from the first.
          const first = sorted[0]?.[1] ?? 0;
          const inFirstWindow = sorted.filter(([, t]) => t - first < intervalSec);
          for (const key of ['a', 'b', 'c']) {
            const n = inFirstWindow.filter(([k]) => k === key).length;
            const keptInWindow = (kept.get(key) ?? []).filter((t) => t - first < intervalSec);
            expect(keptInWindow.length).toBeLessThanOrEqual(Math.min(n, burst));
          }
        },
      ),
      { numRuns: runs },
    );
  });

  it('stays bounded by MAX_BUCKETS keys', () => {
    let state: RateLimitState = EMPTY_STATE;
    for (let i = 0; i < MAX_BUCKETS + 50; i++) {
      state = decide(state, `exe:/bin/p${i}`, i, { intervalUsec: 3600 * SEC, burst: 1 }).state;
    }
    expect(Object.keys(state.buckets)).toHaveLength(MAX_BUCKETS);
    expect(state.buckets['exe:/bin/p0']).toBeUndefined();
  });
});

describe('rateLimitKey', () => {
  it.for([
    [{ unit: 'loop.service', comm: 'x', exe: '/x' }, 'unit:loop.service'],
    [
      { unit: 'user@1000.service', userUnit: 'app.service', ownerUid: '1000', comm: 'x' },
      'user-unit:1000:app.service',
    ],
    [{ unit: 'session-3.scope', exe: '/usr/bin/seg', comm: 'seg' }, 'exe:/usr/bin/seg'],
    [{ unit: '', comm: 'seg' }, 'exe:seg'],
  ] as const)('%o -> %s', ([fields, key]) => {
    expect(rateLimitKey(fields)).toBe(key);
  });
});

describe('parseState', () => {
  it('round-trips what formatState writes', () => {
    const { state } = decide(EMPTY_STATE, 'k', 5, { intervalUsec: 10, burst: 1 });
    expect(parseState(formatState(state))).toEqual({ state });
    expect(parseState('')).toEqual({ state: EMPTY_STATE });
  });

  it.for(['{', 'null', '[]', '{"buckets":[]}', '{"buckets":{"k":{"kept":-1}}}', '\u0000\u0001'])(
    'refuses %j with a reason',
    (text) => {
      const r = parseState(text);
      expect('error' in r && r.error.length > 0).toBe(true);
    },
  );

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        parseState(text);
      }),
      { numRuns: runs },
    );
  });
});
