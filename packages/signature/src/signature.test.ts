import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  crashSignature,
  fnv1a64,
  normaliseFrame,
  topFrames,
  type TraceFrameLike,
  type TraceLike,
} from './signature.js';

/** FNV-1a 64 over bytes with BigInt: the definition, to check the two-halves version against. */
function referenceFnv(bytes: Iterable<number>): string {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

const withNuls = (parts: readonly string[]): number[] =>
  parts.flatMap((p) => [...new TextEncoder().encode(p), 0]);

const trace = (...frames: TraceFrameLike[]): TraceLike => ({
  threads: [{ frames }, { frames: [{ function: 'other_thread', module: 'x' }] }],
});

describe('fnv1a64', () => {
  it('the reference gives the published FNV-1a 64 vectors', () => {
    expect(referenceFnv([])).toBe('cbf29ce484222325');
    expect(referenceFnv(new TextEncoder().encode('a'))).toBe('af63dc4c8601ec8c');
    expect(referenceFnv(new TextEncoder().encode('foobar'))).toBe('85944171f73967e8');
  });

  it('equals the BigInt definition for any parts', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { maxLength: 6 }), (parts) => {
        expect(fnv1a64(parts)).toBe(referenceFnv(withNuls(parts)));
      }),
      { numRuns: Number(process.env['FC_NUM_RUNS'] ?? 200) },
    );
  });

  it('separates parts, so moving a boundary changes the hash', () => {
    expect(fnv1a64(['ab', 'c'])).not.toBe(fnv1a64(['a', 'bc']));
  });
});

describe('normaliseFrame', () => {
  it.for([
    [{ function: 'main', module: 'seg', offset: '0x1139' }, 'seg!main'],
    [{ function: 'kill', module: '/usr/lib/x86_64-linux-gnu/libc.so.6' }, 'libc.so.6!kill'],
    [{ function: null, module: 'libfoo.so.1', offset: '0x1A2B' }, 'libfoo.so.1+0x1a2b'],
    [{ function: 'f', module: null }, '?!f'],
    [{ function: null, module: null, offset: null }, undefined],
  ] as const)('%o -> %s', ([frame, text]) => {
    expect(normaliseFrame(frame)).toBe(text);
  });
});

describe('crashSignature', () => {
  const segv = trace(
    { function: 'crash_here', module: 'seg', offset: '0x1139' },
    { function: 'main', module: 'seg', offset: '0x1160' },
    { function: '__libc_start_call_main', module: 'libc.so.6', offset: '0x271ca' },
  );

  it('is 16 hex digits from the frames, and the same for the same frames', () => {
    const a = crashSignature({ exe: '/usr/bin/seg', signal: 11, trace: segv });
    expect(a.signature).toMatch(/^[0-9a-f]{16}$/);
    expect(a.basis).toBe('frames');
    expect(a.frames).toEqual(['seg!crash_here', 'seg!main', 'libc.so.6!__libc_start_call_main']);
    expect(crashSignature({ exe: '/usr/bin/seg', signal: 11, trace: segv })).toEqual(a);
  });

  it('ignores addresses, thread ids and other threads (ASLR, PIDs, boots)', () => {
    const moved: TraceLike = {
      threads: [
        {
          frames: segv.threads?.[0]?.frames?.map((f) => ({ ...f, pc: '0x7fff00001234' })) ?? [],
        },
        { frames: [{ function: 'something_else', module: 'y' }] },
      ],
    };
    expect(crashSignature({ exe: '/usr/bin/seg', signal: 11, trace: moved }).signature).toBe(
      crashSignature({ exe: '/usr/bin/seg', signal: 11, trace: segv }).signature,
    );
  });

  it('differs for another crash site, another signal or another executable', () => {
    const base = crashSignature({ exe: '/usr/bin/seg', signal: 11, trace: segv }).signature;
    const other = trace(
      { function: 'crash_there', module: 'seg', offset: '0x1200' },
      { function: 'main', module: 'seg', offset: '0x1160' },
    );
    expect(crashSignature({ exe: '/usr/bin/seg', signal: 11, trace: other }).signature).not.toBe(
      base,
    );
    expect(crashSignature({ exe: '/usr/bin/seg', signal: 6, trace: segv }).signature).not.toBe(
      base,
    );
    expect(crashSignature({ exe: '/usr/bin/seg2', signal: 11, trace: segv }).signature).not.toBe(
      base,
    );
  });

  it('skips the abort machinery on top, so two abort() sites differ', () => {
    const machinery = [
      { function: '__pthread_kill_implementation', module: 'libc.so.6', offset: '0x8aeec' },
      { function: 'raise', module: 'libc.so.6', offset: '0x3cfb2' },
      { function: 'abort', module: 'libc.so.6', offset: '0x27472' },
    ];
    const a = trace(...machinery, { function: 'check_a', module: 'app' });
    const b = trace(...machinery, { function: 'check_b', module: 'app' });
    expect(topFrames(a)).toEqual(['app!check_a']);
    expect(crashSignature({ exe: '/app', signal: 6, trace: a }).signature).not.toBe(
      crashSignature({ exe: '/app', signal: 6, trace: b }).signature,
    );
  });

  it('takes at most five frames, so deep recursion below them does not matter', () => {
    const deep = (n: number): TraceLike =>
      trace(...Array.from({ length: n }, () => ({ function: 'recurse', module: 'rec' })));
    expect(topFrames(deep(200))).toHaveLength(5);
    expect(crashSignature({ exe: '/rec', signal: 11, trace: deep(64) }).signature).toBe(
      crashSignature({ exe: '/rec', signal: 11, trace: deep(10) }).signature,
    );
  });

  it('falls back to the executable and signal without a trace, and says so', () => {
    for (const t of [undefined, { threads: [] }, trace({ function: null, module: null })]) {
      const s = crashSignature({ exe: '/usr/bin/seg', signal: 11, trace: t });
      expect(s.basis).toBe('exe-signal');
      expect(s.frames).toEqual([]);
      expect(s.signature).toBe(crashSignature({ exe: '/usr/bin/seg', signal: 11 }).signature);
    }
    expect(crashSignature({ exe: '/usr/bin/seg', signal: 11 }).signature).not.toBe(
      crashSignature({ exe: '/usr/bin/seg', signal: 6 }).signature,
    );
  });
});
