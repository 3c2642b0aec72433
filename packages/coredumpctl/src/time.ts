// systemd.time(7) timestamps for --since/--until, as systemd 252's
// parse_timestamp() accepts them. Returns µs since the epoch.
import { parseTimespanUsec, STRERROR } from '@coredump-ts/config';

import { loadZone, type ZoneInfo } from './tz.js';

const SEC = 1_000_000;
function midnight(nowUsec: number, dayDelta: number): number {
  const d = new Date(Math.floor(nowUsec / 1000));
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + dayDelta).getTime() * 1000;
}

const WEEKDAYS = [
  ['sunday', 'sun'],
  ['monday', 'mon'],
  ['tuesday', 'tue'],
  ['wednesday', 'wed'],
  ['thursday', 'thu'],
  ['friday', 'fri'],
  ['saturday', 'sat'],
];

function parseAbsolute(text: string, nowUsec: number, utc: boolean): number | undefined {
  let rest = text;
  let weekday: number | undefined;
  const wm = /^([A-Za-z]+)\s+/.exec(rest);
  if (wm?.[1] !== undefined) {
    const idx = WEEKDAYS.findIndex((names) => names.includes((wm[1] as string).toLowerCase()));
    if (idx < 0) return undefined;
    weekday = idx;
    rest = rest.slice(wm[0].length);
  }
  const m =
    /^(?:(\d{2}|\d{4})-(\d{1,2})-(\d{1,2}))?(?:(?:^|\s+)(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d+))?)?)?$/.exec(
      rest,
    );
  if (m === null || (m[1] === undefined && m[4] === undefined)) return undefined;
  const now = new Date(Math.floor(nowUsec / 1000));
  let year = utc ? now.getUTCFullYear() : now.getFullYear();
  let month = utc ? now.getUTCMonth() + 1 : now.getMonth() + 1;
  let day = utc ? now.getUTCDate() : now.getDate();
  if (m[1] !== undefined) {
    year = m[1].length === 2 ? Number(m[1]) + (Number(m[1]) < 69 ? 2000 : 1900) : Number(m[1]);
    month = Number(m[2]);
    day = Number(m[3]);
  }
  const hour = m[4] !== undefined ? Number(m[4]) : 0;
  const minute = m[5] !== undefined ? Number(m[5]) : 0;
  const second = m[6] !== undefined ? Number(m[6]) : 0;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return undefined;
  }
  const ms = utc
    ? Date.UTC(year, month - 1, day, hour, minute, second)
    : new Date(year, month - 1, day, hour, minute, second).getTime();
  if (weekday !== undefined) {
    const wd = utc ? new Date(ms).getUTCDay() : new Date(ms).getDay();
    if (wd !== weekday) return undefined;
  }
  const fracUsec = m[7] !== undefined ? Math.floor(Number(`0.${m[7]}`) * SEC) : 0;
  return ms * 1000 + fracUsec;
}

/** Why systemd's parse_timestamp() refuses a text: EINVAL, or ERANGE from parse_sec(). */
export type TimestampErrno = 'EINVAL' | 'ERANGE';

/** usec_t's range: parse_sec() gives ERANGE above it. */
const USEC_MAX = 2 ** 64 - 1;
/**
 * One past USEC_TIMESTAMP_FORMATTABLE_MAX on 64-bit (Thu 9999-12-30 23:59:59.999999
 * UTC): the maximum itself is not a double, this is.
 */
const TIMESTAMP_END_USEC = 253_402_214_400_000_000;

/**
 * systemd's parse_sec() (config's, the one implementation): a span, ERANGE for
 * a sign or an overflow. Its USEC_INFINITY lies past every timestamp: EINVAL.
 */
function parseSec(text: string): number | TimestampErrno {
  const r = parseTimespanUsec(text);
  if (!r.ok) return r.reason === STRERROR.ERANGE ? 'ERANGE' : 'EINVAL';
  return Number.isFinite(r.value) ? r.value : 'EINVAL';
}

/**
 * systemd 252's parse_timestamp(): µs since the epoch, or the errno it fails
 * with. "@" is parse_sec() alone; everything else must land in
 * 0..USEC_TIMESTAMP_FORMATTABLE_MAX (-S -100y is EINVAL, never a negative time).
 * "@infinity" is Infinity (USEC_INFINITY).
 */
export function parseTimestampResult(
  text: string,
  nowUsec: number = Date.now() * 1000,
  zone: ZoneInfo = loadZone(),
): number | TimestampErrno {
  if (text.startsWith('@')) {
    const m = /^@(\d+)(?:\.(\d+))?$/.exec(text);
    if (m === null) {
      // parse_sec() alone, "infinity" (USEC_INFINITY) included: coredumpctl
      // takes that as no --since/--until at all.
      const r = parseTimespanUsec(text.slice(1));
      if (!r.ok) return r.reason === STRERROR.ERANGE ? 'ERANGE' : 'EINVAL';
      return r.value;
    }
    const usec =
      Number(m[1]) * SEC + (m[2] !== undefined ? Math.floor(Number(`0.${m[2]}`) * SEC) : 0);
    return usec > USEC_MAX ? 'ERANGE' : usec;
  }
  const relative = (span: string, sign: 1 | -1): number | TimestampErrno => {
    const usec = parseSec(span);
    return typeof usec === 'number' ? inRange(nowUsec + sign * usec) : usec;
  };
  if (text === 'now') return nowUsec;
  if (text.startsWith('+')) return relative(text.slice(1), 1);
  if (text.startsWith('-')) return relative(text.slice(1), -1);
  if (text.endsWith(' ago')) return relative(text.slice(0, -4), -1);
  if (text.endsWith(' left')) return relative(text.slice(0, -5), 1);
  const usec = parseCalendar(text, nowUsec, zone);
  return usec === undefined ? 'EINVAL' : inRange(usec);
}

const inRange = (usec: number): number | TimestampErrno =>
  usec < 0 || usec >= TIMESTAMP_END_USEC ? 'EINVAL' : usec;

/** Parse a timestamp; undefined where systemd fails. */
export function parseTimestamp(
  text: string,
  nowUsec: number = Date.now() * 1000,
  zone: ZoneInfo = loadZone(),
): number | undefined {
  const usec = parseTimestampResult(text, nowUsec, zone);
  return typeof usec === 'number' ? usec : undefined;
}

/** Dates, times, today/yesterday/tomorrow, with an optional zone. */
function parseCalendar(text: string, nowUsec: number, zone: ZoneInfo): number | undefined {
  // An optional trailing " UTC" or the local zone's own abbreviation.
  let body = text;
  let utc = false;
  const tail = / ([A-Za-z]+)$/.exec(text);
  if (tail?.[1] !== undefined) {
    const localAbbrs = [...zone.abbreviations.values()].flat().map((e) => e.abbr);
    if (tail[1] === 'UTC') utc = true;
    if (tail[1] === 'UTC' || localAbbrs.includes(tail[1])) body = text.slice(0, -tail[0].length);
  }
  if (body === 'today') return utc ? utcMidnight(nowUsec, 0) : midnight(nowUsec, 0);
  if (body === 'yesterday') return utc ? utcMidnight(nowUsec, -1) : midnight(nowUsec, -1);
  if (body === 'tomorrow') return utc ? utcMidnight(nowUsec, 1) : midnight(nowUsec, 1);
  return parseAbsolute(body, nowUsec, utc);
}

function utcMidnight(nowUsec: number, dayDelta: number): number {
  const d = new Date(Math.floor(nowUsec / 1000));
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + dayDelta) * 1000;
}

/** The journalctl form of a parsed timestamp: "@<seconds>.<µs>". */
export function journalctlTimestamp(usec: number): string {
  return `@${Math.floor(usec / SEC)}.${String(usec % SEC).padStart(6, '0')}`;
}
