// systemd.time(7) timestamps for --since/--until, as systemd 252's
// parse_timestamp() accepts them. Returns µs since the epoch.
import { CoredumpctlError } from './errors.js';
import { loadZone, type ZoneInfo } from './tz.js';

const SEC = 1_000_000;
const UNIT_USEC: readonly [string, number][] = [
  ['seconds', SEC],
  ['second', SEC],
  ['sec', SEC],
  ['s', SEC],
  ['minutes', 60 * SEC],
  ['minute', 60 * SEC],
  ['min', 60 * SEC],
  ['months', 2_629_800 * SEC],
  ['month', 2_629_800 * SEC],
  ['M', 2_629_800 * SEC],
  ['msec', 1000],
  ['ms', 1000],
  ['m', 60 * SEC],
  ['hours', 3600 * SEC],
  ['hour', 3600 * SEC],
  ['hr', 3600 * SEC],
  ['h', 3600 * SEC],
  ['days', 86_400 * SEC],
  ['day', 86_400 * SEC],
  ['d', 86_400 * SEC],
  ['weeks', 604_800 * SEC],
  ['week', 604_800 * SEC],
  ['w', 604_800 * SEC],
  ['years', 31_557_600 * SEC],
  ['year', 31_557_600 * SEC],
  ['y', 31_557_600 * SEC],
  ['usec', 1],
  ['us', 1],
  ['µs', 1],
];

/** systemd's parse_sec(): "1h 30min", "1.5h", "90" (seconds). */
export function parseTimespan(text: string): number | undefined {
  let rest = text.trim();
  if (rest === '') return undefined;
  let total = 0;
  let first = true;
  while (rest !== '') {
    const m = /^(\d+)(?:\.(\d+))?\s*/.exec(rest);
    if (m === null) return undefined;
    rest = rest.slice(m[0].length);
    let unit = first && rest === '' ? SEC : undefined;
    for (const [name, usec] of UNIT_USEC) {
      if (!rest.startsWith(name)) continue;
      const after = rest.slice(name.length);
      if (after !== '' && !/^[\s\d]/.test(after)) continue;
      unit = usec;
      rest = after.trimStart();
      break;
    }
    if (unit === undefined) {
      if (rest !== '') return undefined;
      unit = SEC;
    }
    const whole = Number(m[1]);
    const frac = m[2] !== undefined ? Number(`0.${m[2]}`) : 0;
    total += Math.floor(whole * unit + frac * unit);
    first = false;
  }
  return total;
}

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

/** Parse a timestamp; undefined when systemd would say "Invalid argument". */
export function parseTimestamp(
  text: string,
  nowUsec: number = Date.now() * 1000,
  zone: ZoneInfo = loadZone(),
): number | undefined {
  if (text === 'now') return nowUsec;
  if (text.startsWith('+')) {
    const span = parseTimespan(text.slice(1));
    return span === undefined ? undefined : nowUsec + span;
  }
  if (text.startsWith('-')) {
    const span = parseTimespan(text.slice(1));
    return span === undefined ? undefined : nowUsec - span;
  }
  if (text.endsWith(' ago')) {
    const span = parseTimespan(text.slice(0, -4));
    return span === undefined ? undefined : nowUsec - span;
  }
  if (text.endsWith(' left')) {
    const span = parseTimespan(text.slice(0, -5));
    return span === undefined ? undefined : nowUsec + span;
  }
  if (text.startsWith('@')) {
    const m = /^@(\d+)(?:\.(\d+))?$/.exec(text);
    if (m === null) return parseTimespan(text.slice(1));
    return Number(m[1]) * SEC + (m[2] !== undefined ? Math.floor(Number(`0.${m[2]}`) * SEC) : 0);
  }
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

export function parseTimestampOrThrow(text: string, nowUsec?: number): number {
  const usec = parseTimestamp(text, nowUsec);
  if (usec === undefined) {
    throw new CoredumpctlError(
      'ERR_COREDUMPCTL_USAGE',
      `Failed to parse timestamp '${text}': Invalid argument`,
    );
  }
  return usec;
}

/** The journalctl form of a parsed timestamp: "@<seconds>.<µs>". */
export function journalctlTimestamp(usec: number): string {
  return `@${Math.floor(usec / SEC)}.${String(usec % SEC).padStart(6, '0')}`;
}
