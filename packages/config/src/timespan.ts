/**
 * systemd's parse_sec() (time-util.c parse_time() with seconds as the default
 * unit), for `RateLimitIntervalSec=`: components of a number (optional
 * fraction) and an optional unit, summed: `30s`, `5min`, `1h 30min`, `1.5h`,
 * `90` (seconds). Units are matched by prefix in systemd's table order (so
 * `ms` is milliseconds, `m` minutes, `M` months). `infinity` alone is
 * USEC_INFINITY. A `-` anywhere a number starts is ERANGE, as is a sum that
 * reaches UINT64_MAX; everything else malformed is EINVAL. Linear, no regex.
 */
import { decimalUpToUint64, STRERROR, UINT64_MAX, type SizeErrno } from './size.js';
import type { ParseResult } from './values.js';

const SEC = 1_000_000n;
/** systemd's extract_multiplier() table, in its order (the first prefix that matches wins). */
const UNITS: readonly (readonly [string, bigint])[] = [
  ['seconds', SEC],
  ['second', SEC],
  ['sec', SEC],
  ['s', SEC],
  ['minutes', 60n * SEC],
  ['minute', 60n * SEC],
  ['min', 60n * SEC],
  ['months', 2_629_800n * SEC],
  ['month', 2_629_800n * SEC],
  ['M', 2_629_800n * SEC],
  ['msec', 1000n],
  ['ms', 1000n],
  ['m', 60n * SEC],
  ['hours', 3600n * SEC],
  ['hour', 3600n * SEC],
  ['hr', 3600n * SEC],
  ['h', 3600n * SEC],
  ['days', 86_400n * SEC],
  ['day', 86_400n * SEC],
  ['d', 86_400n * SEC],
  ['weeks', 604_800n * SEC],
  ['week', 604_800n * SEC],
  ['w', 604_800n * SEC],
  ['years', 31_557_600n * SEC],
  ['year', 31_557_600n * SEC],
  ['y', 31_557_600n * SEC],
  ['usec', 1n],
  ['us', 1n],
  ['\u03bcs', 1n], // GREEK SMALL LETTER MU
  ['\u00b5s', 1n], // MICRO SIGN
];

const isBlank = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';
const isDigit = (c: string): boolean => c >= '0' && c <= '9';

const fail = (errno: SizeErrno): ParseResult<number> => ({ ok: false, reason: STRERROR[errno] });

/** µs as a number (Infinity for `infinity`), or why not. */
export const parseTimespanUsec = (text: string): ParseResult<number> => {
  let p = 0;
  const skipBlanks = (): void => {
    while (p < text.length && isBlank(text.charAt(p))) p++;
  };
  skipBlanks();
  if (text.startsWith('infinity', p)) {
    p += 'infinity'.length;
    skipBlanks();
    return p === text.length ? { ok: true, value: Infinity } : fail('EINVAL');
  }
  let total = 0n;
  let something = false;
  for (;;) {
    skipBlanks();
    if (p === text.length) return something ? { ok: true, value: Number(total) } : fail('EINVAL');
    if (text.charAt(p) === '-') return fail('ERANGE'); // not even "-0"
    // strtoll(): an optional '+', digits; a fraction may follow (".5" alone too).
    let q = p;
    if (text.charAt(q) === '+') q++;
    const digitsStart = q;
    while (q < text.length && isDigit(text.charAt(q))) q++;
    // strtoll() that read nothing leaves its end at the sign: "+.5" is not ".5".
    if (q === digitsStart && q > p) return fail('EINVAL');
    const whole = decimalUpToUint64(text, digitsStart, q);
    if (whole === undefined) return fail('ERANGE');
    let fracStart = -1;
    let fracEnd = -1;
    if (text.charAt(q) === '.') {
      fracStart = q + 1;
      fracEnd = fracStart;
      while (fracEnd < text.length && isDigit(text.charAt(fracEnd))) fracEnd++;
      if (fracEnd === fracStart) return fail('EINVAL'); // "3.", "3.s", "3. 1"
      q = fracEnd;
    } else if (q === digitsStart) return fail('EINVAL');
    // The unit, after optional blanks; none means seconds.
    let u = q;
    while (u < text.length && isBlank(text.charAt(u))) u++;
    const unit = UNITS.find(([name]) => text.startsWith(name, u));
    let multiplier = SEC;
    if (unit !== undefined) {
      multiplier = unit[1];
      p = u + unit[0].length;
    } else {
      // "12.34.56" is refused; "12.34 .56" is two components.
      if (u === q && u < text.length) return fail('EINVAL');
      p = u;
    }
    let k = whole * multiplier;
    if (fracStart >= 0) {
      let m = multiplier / 10n;
      for (let i = fracStart; i < fracEnd && m > 0n; i++, m /= 10n)
        k += BigInt(text.charCodeAt(i) - 48) * m;
    }
    total += k;
    if (total >= UINT64_MAX) return fail('ERANGE');
    something = true;
  }
};
