/**
 * systemd's parse_size(t, 1024) (spec §5.2): decimal components, each with an optional
 * fraction and an uppercase IEC suffix (E P T G M K B, powers of 1024), in strictly
 * descending order, summed. Whitespace is allowed before a number and between a number and
 * its suffix. Negative values and anything above UINT64_MAX are ERANGE; everything else
 * malformed is EINVAL. The arithmetic is done in 64-bit integers (BigInt) so overflow is
 * detected exactly; the result is returned as a number, Infinity for UINT64_MAX.
 */
import { CoredumpError } from '@coredump-ts/protocol';

export type SizeErrno = 'EINVAL' | 'ERANGE';
export type SizeResult = { ok: true; value: number } | { ok: false; errno: SizeErrno };

export const STRERROR: Readonly<Record<SizeErrno, string>> = {
  EINVAL: 'Invalid argument',
  ERANGE: 'Numerical result out of range',
};

export const UINT64_MAX = (1n << 64n) - 1n;
const K = 1024n;
const SUFFIXES: readonly (readonly [string, bigint])[] = [
  ['E', K ** 6n],
  ['P', K ** 5n],
  ['T', K ** 4n],
  ['G', K ** 3n],
  ['M', K ** 2n],
  ['K', K],
  ['B', 1n],
  ['', 1n],
];
const WHITESPACE = ' \t\n\r';

const skipWhitespace = (s: string, i: number): number => {
  while (i < s.length && WHITESPACE.includes(s.charAt(i))) i++;
  return i;
};

const digitsEnd = (s: string, i: number): number => {
  while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
  return i;
};

/**
 * The decimal digits text[start, end) as a bigint, or undefined when above
 * UINT64_MAX. More than 20 significant digits is above it without building
 * the number (BigInt() of a 1 MiB digit string is superlinear: ~0.4 s).
 */
export const decimalUpToUint64 = (text: string, start: number, end: number): bigint | undefined => {
  let i = start;
  while (i < end && text.charCodeAt(i) === 0x30) i++;
  if (end - i > 20) return undefined;
  const n = i === end ? 0n : BigInt(text.slice(i, end));
  return n > UINT64_MAX ? undefined : n;
};

export const parseSizeResult = (
  text: string,
  opts: { allowInfinity?: boolean } = {},
): SizeResult => {
  if (opts.allowInfinity === true && text === 'infinity') return { ok: true, value: Infinity };
  const fail = (errno: SizeErrno): SizeResult => ({ ok: false, errno });
  let p = 0;
  let start = 0;
  let r = 0n;
  do {
    p = skipWhitespace(text, p);
    // strtoull(): an optional sign, then decimal digits.
    const sign = text.charAt(p);
    const numStart = sign === '+' || sign === '-' ? p + 1 : p;
    let e = digitsEnd(text, numStart);
    if (e === numStart) return fail('EINVAL');
    const l = decimalUpToUint64(text, numStart, e);
    if (l === undefined) return fail('ERANGE');
    if (sign === '-') return fail('ERANGE');

    let frac = 0;
    if (text.charAt(e) === '.') {
      e++;
      const fracEnd = digitsEnd(text, e);
      if (fracEnd > e) {
        const l2 = decimalUpToUint64(text, e, fracEnd);
        if (l2 === undefined) return fail('ERANGE');
        frac = Number(l2);
        for (; e < fracEnd; e++) frac /= 10;
      }
    }

    e = skipWhitespace(text, e);
    let i = start;
    while (i < SUFFIXES.length && !text.startsWith(SUFFIXES[i]?.[0] ?? '', e)) i++;
    const entry = SUFFIXES[i];
    if (entry === undefined) return fail('EINVAL');
    const [suffix, factor] = entry;

    if (l + (frac > 0 ? 1n : 0n) > UINT64_MAX / factor) return fail('ERANGE');
    const tmp = l * factor + BigInt(Math.trunc(frac * Number(factor)));
    if (tmp > UINT64_MAX - r) return fail('ERANGE');
    r += tmp;

    p = e + suffix.length;
    start = i + 1;
  } while (p < text.length);

  return { ok: true, value: r === UINT64_MAX ? Infinity : Number(r) };
};

/** Throws CoredumpError ERR_CONFIG on bad input. */
export const parseSize = (text: string, opts: { allowInfinity?: boolean } = {}): number => {
  const r = parseSizeResult(text, opts);
  if (!r.ok) {
    throw new CoredumpError(
      'ERR_CONFIG',
      `Failed to parse size ${JSON.stringify(text)}: ${STRERROR[r.errno]}`,
    );
  }
  return r.value;
};

const FORMAT_TABLE: readonly (readonly [string, bigint])[] = SUFFIXES.slice(0, 6);

/**
 * systemd's FORMAT_BYTES() (IEC, one decimal, trailing B below 1K): 767M -> "767.0M",
 * 1G -> "1.0G", 1536 -> "1.5K", 100 -> "100B". Used in messages that quote sizes.
 */
export const formatBytes = (bytes: number): string => {
  if (!Number.isFinite(bytes)) return 'infinity';
  const t = BigInt(Math.trunc(bytes));
  const n = FORMAT_TABLE.length;
  for (let i = 0; i < n; i++) {
    const [suffix, factor] = FORMAT_TABLE[i] ?? ['', 1n];
    if (t < factor) continue;
    const next = FORMAT_TABLE[i + 1];
    const last = FORMAT_TABLE[n - 1]?.[1] ?? K;
    const tenth = next !== undefined ? ((t / next[1]) * 10n) / last : (t * 10n) / factor;
    return `${t / factor}.${tenth % 10n}${suffix}`;
  }
  return `${t}B`;
};
