// The systemd facts coredumpctl-ts takes from its one home (format_bytes() from
// @coredump-ts/config, signal names from @coredump-ts/protocol, the option table
// behind --help) checked against systemd 252 itself: its libsystemd-shared
// through python3's ctypes, and /usr/bin/coredumpctl --help.
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatBytes } from '@coredump-ts/config';
import { safeAtoi, signalFromString, signalToString } from '@coredump-ts/protocol';
import { matchTokens, tokenize } from '../packages/coredumpctl/src/glob.js';
import { OURS, runCtl, SYSTEMD } from '../packages/coredumpctl/test/support.js';

const SHARED = '/usr/lib/x86_64-linux-gnu/systemd/libsystemd-shared-252.so';

/** Ask libsystemd-shared: one call per input line, one answer per output line. */
function systemd(fn: 'format_bytes' | 'signal_to_string', inputs: readonly bigint[]): string[] {
  const script = `
import ctypes, sys
lib = ctypes.CDLL(${JSON.stringify(SHARED)})
fb = lib.format_bytes_full
fb.restype = ctypes.c_char_p
fb.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint64, ctypes.c_int]
st = lib.signal_to_string
st.restype = ctypes.c_char_p
st.argtypes = [ctypes.c_int]
buf = ctypes.create_string_buffer(64)
for line in sys.stdin:
    n = int(line)
    # FORMAT_BYTES_USE_IEC | FORMAT_BYTES_BELOW_POINT | FORMAT_BYTES_TRAILING_B: format_bytes()
    out = fb(buf, 64, n, 7) if ${JSON.stringify(fn)} == 'format_bytes' else st(n)
    print(out.decode())
`;
  const r = spawnSync('python3', ['-c', script], {
    input: inputs.map((n) => `${n}\n`).join(''),
    encoding: 'utf8',
  });
  expect(r.stderr).toBe('');
  return r.stdout.split('\n').slice(0, inputs.length);
}

describe('format_bytes() as systemd 252 formats sizes', () => {
  it('agrees on edges and on random sizes below 2^53 (a JS number holds sizes exactly to there)', () => {
    const edges = [0n, 1n, 775n, 1023n, 1024n, 1288n, 30_093_312n, 30_100_000n];
    for (let e = 10n; e <= 50n; e += 10n) edges.push((1n << e) - 1n, 1n << e, (1n << e) + 1n);
    const random = fc.sample(fc.bigInt({ min: 0n, max: (1n << 53n) - 1n }), {
      numRuns: 2000,
      seed: 13,
    });
    const inputs = [...edges, ...random];
    const theirs = systemd('format_bytes', inputs);
    const ours = inputs.map((n) => formatBytes(Number(n)));
    expect(ours).toEqual(theirs);
    expect(formatBytes(30_100_000)).toBe('28.7M');
  });
});

describe('signal_to_string() as systemd 252 names signals', () => {
  it('agrees from -1 to 70', () => {
    const inputs = Array.from({ length: 72 }, (_, i) => BigInt(i - 1));
    expect(inputs.map((n) => signalToString(Number(n)))).toEqual(
      systemd('signal_to_string', inputs),
    );
  });
});

describe('--help, made from the option table', () => {
  it('is what systemd 252 prints off a terminal', () => {
    const ours = runCtl(OURS, ['--help']);
    const theirs = runCtl(SYSTEMD, ['--help']);
    expect(ours.stdout).toBe(theirs.stdout);
    expect(ours.status).toBe(0);
  });
});

describe('--file= glob matching as glibc matches (fnmatch(3), what glob(3) uses)', () => {
  it('agrees on random patterns and names', () => {
    const patternChar = fc.constantFrom('a', 'b', 'z', '*', '?', '[', ']', '!', '^', '-', '\\');
    const nameChar = fc.constantFrom('a', 'b', 'z', ']', '!', '-', '^', '\\', '*');
    const pairs = fc.sample(
      fc.tuple(
        fc.string({ unit: patternChar, maxLength: 8 }),
        fc.string({ unit: nameChar, minLength: 1, maxLength: 8 }),
      ),
      { numRuns: 3000, seed: 15 },
    );
    const script = `
import ctypes, json, sys
libc = ctypes.CDLL('libc.so.6')
for line in sys.stdin:
    p, n = json.loads(line)
    print(1 if libc.fnmatch(p.encode(), n.encode(), 0) == 0 else 0)
`;
    const r = spawnSync('python3', ['-c', script], {
      input: pairs.map((pair) => `${JSON.stringify(pair)}\n`).join(''),
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    const glibc = r.stdout.split('\n').slice(0, pairs.length);
    const ours = pairs.map(([p, n]) => (matchTokens(tokenize(p), n) ? '1' : '0'));
    const differ = pairs.filter((_, i) => ours[i] !== glibc[i]);
    expect(differ).toEqual([]);
  });
});

describe('signal_from_string() and safe_atoi() as systemd 252 parse signals', () => {
  it('agree on random texts', () => {
    const unit = fc.constantFrom(
      ...'0123456789abxoBXO+- \tSIGRTMINAXEVHUPKL'.split(''),
      'SIG',
      'SEGV',
      'RTMIN',
      'RTMAX',
    );
    const texts = [
      ...[
        '013',
        '011',
        ' 11',
        '0x0b',
        '0b1011',
        '0o13',
        '+11',
        '11 ',
        '-0',
        'RTMIN+02',
        'RTMIN+ 2',
      ],
      ...['RTMIN+-0', 'RTMIN-0', 'RTMAX+0', 'RTMIN+0x2', 'SIG 11', 'SIG11', '99999999999', ''],
      ...fc.sample(fc.string({ unit, maxLength: 8 }), { numRuns: 3000, seed: 252 }),
    ];
    const script = `
import ctypes, json, sys
lib = ctypes.CDLL(${JSON.stringify(SHARED)})
lib.signal_from_string.restype = ctypes.c_int
lib.signal_from_string.argtypes = [ctypes.c_char_p]
lib.safe_atoi.restype = ctypes.c_int
lib.safe_atoi.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_int)]
for line in sys.stdin:
    t = json.loads(line).encode()
    n = ctypes.c_int(0)
    r = lib.safe_atoi(t, ctypes.byref(n))
    print(json.dumps([lib.signal_from_string(t), n.value if r >= 0 else None]))
`;
    const r = spawnSync('python3', ['-c', script], {
      input: texts.map((t) => `${JSON.stringify(t)}\n`).join(''),
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    const theirs = r.stdout
      .split('\n')
      .slice(0, texts.length)
      .map((l) => JSON.parse(l) as [number, number | null]);
    const differ = texts.filter((t, i) => {
      const [signo, atoi] = theirs[i] ?? [0, null];
      return (
        (signalFromString(t) ?? -1) !== (signo < 0 ? -1 : signo) || (safeAtoi(t) ?? null) !== atoi
      );
    });
    expect(differ).toEqual([]);
  });
});
