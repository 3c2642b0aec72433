// Text formats shared by list and info: systemd's format_timestamp() and
// format_timestamp_relative() (format_bytes() is @coredump-ts/config's).
import { loadZone, zoneAbbreviation, type ZoneInfo } from './tz.js';

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

export interface TimeFormatter {
  /** "Tue 2021-01-01 00:00:01 CET" */
  timestamp(usec: number): string;
}

export function createTimeFormatter(zone: ZoneInfo = loadZone()): TimeFormatter {
  // The text changes once a second: a listing's entries often share one.
  // Compared as a range of µs, so a hit computes (and allocates) nothing.
  let fromUsec = Infinity;
  let untilUsec = -Infinity;
  let lastText = '';
  return {
    timestamp(usec: number): string {
      if (usec >= fromUsec && usec < untilUsec) return lastText;
      const sec = Math.floor(usec / 1_000_000);
      const d = new Date(sec * 1000);
      const utoff = -d.getTimezoneOffset() * 60;
      fromUsec = sec * 1_000_000;
      untilUsec = fromUsec + 1_000_000;
      lastText =
        `${WEEKDAYS[d.getDay()] ?? '?'} ${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
        `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${zoneAbbreviation(zone, utoff)}`;
      return lastText;
    },
  };
}

const SEC = 1_000_000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const MONTH = 2_629_800 * SEC;
const YEAR = 31_557_600 * SEC;

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** "20s ago", "3min 5s ago", "2h 5min ago", "1 day 3h ago", "3 years 0 months ago". */
export function formatRelative(usec: number, nowUsec: number): string | undefined {
  if (usec <= 0 || !Number.isFinite(usec)) return undefined;
  const ago = nowUsec > usec;
  const d = ago ? nowUsec - usec : usec - nowUsec;
  const s = ago ? 'ago' : 'left';
  const q = (a: number, b: number): number => Math.floor(a / b);
  if (d >= YEAR)
    return `${plural(q(d, YEAR), 'year', 'years')} ${plural(q(d % YEAR, MONTH), 'month', 'months')} ${s}`;
  if (d >= MONTH)
    return `${plural(q(d, MONTH), 'month', 'months')} ${plural(q(d % MONTH, DAY), 'day', 'days')} ${s}`;
  if (d >= WEEK)
    return `${plural(q(d, WEEK), 'week', 'weeks')} ${plural(q(d % WEEK, DAY), 'day', 'days')} ${s}`;
  if (d >= 2 * DAY) return `${q(d, DAY)} days ${s}`;
  if (d >= 25 * HOUR) return `1 day ${q(d - DAY, HOUR)}h ${s}`;
  if (d >= 6 * HOUR) return `${q(d, HOUR)}h ${s}`;
  if (d >= HOUR) return `${q(d, HOUR)}h ${q(d % HOUR, MIN)}min ${s}`;
  if (d >= 5 * MIN) return `${q(d, MIN)}min ${s}`;
  if (d >= MIN) return `${q(d, MIN)}min ${q(d % MIN, SEC)}s ${s}`;
  if (d >= SEC) return `${q(d, SEC)}s ${s}`;
  if (d >= 1000) return `${q(d, 1000)}ms ${s}`;
  if (d > 0) return `${d}us ${s}`;
  return 'now';
}
