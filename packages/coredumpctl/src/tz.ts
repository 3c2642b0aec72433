// Local time-zone abbreviations ("CET", "UTC"), as strftime's %Z prints them.
// Intl gives the UTC offset reliably but not libc's abbreviation, so the
// abbreviation is looked up in the TZif file that libc itself would use.
import { readFileSync } from 'node:fs';

export interface ZoneInfo {
  /** utoff (seconds) -> abbreviations seen with that offset, DST ones last */
  abbreviations: Map<number, { abbr: string; isDst: boolean }[]>;
}

function zoneFile(tz: string | undefined): string {
  if (tz === undefined || tz === '') return '/etc/localtime';
  const bare = tz.startsWith(':') ? tz.slice(1) : tz;
  return bare.startsWith('/') ? bare : `/usr/share/zoneinfo/${bare}`;
}

/** The abbreviation in force at a UTC offset (seconds east), e.g. 3600 -> "CET". */
export function zoneAbbreviation(zone: ZoneInfo, utoffSec: number): string {
  const found = zone.abbreviations.get(utoffSec)?.[0]?.abbr;
  if (found !== undefined) return found;
  const sign = utoffSec < 0 ? '-' : '+';
  const abs = Math.abs(utoffSec);
  const hh = String(Math.floor(abs / 3600)).padStart(2, '0');
  const mm = String(Math.floor((abs % 3600) / 60)).padStart(2, '0');
  return mm === '00' ? `${sign}${hh}` : `${sign}${hh}${mm}`;
}

/** Parse the ttinfo table of a TZif file (v1 block is enough for abbreviations). */
export function parseTzif(data: Buffer): Map<number, { abbr: string; isDst: boolean }[]> {
  const out = new Map<number, { abbr: string; isDst: boolean }[]>();
  if (data.length < 44 || data.toString('latin1', 0, 4) !== 'TZif') return out;
  let base = 0;
  type Counts = [number, number, number, number, number, number];
  const header = (at: number): Counts =>
    [0, 1, 2, 3, 4, 5].map((i) => data.readUInt32BE(at + 20 + i * 4)) as Counts;
  let [isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt] = header(0);
  let timeSize = 4;
  if (data[4] !== 0 && data[4] !== undefined) {
    // Skip the v1 block: the v2+ block has the same tables with 64-bit times.
    base = 44 + timecnt * 4 + timecnt + typecnt * 6 + charcnt + leapcnt * 8 + isstdcnt + isutcnt;
    if (data.length >= base + 44 && data.toString('latin1', base, base + 4) === 'TZif') {
      [isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt] = header(base);
      timeSize = 8;
    } else {
      base = 0;
    }
  }
  const types = base + 44 + timecnt * timeSize + timecnt;
  const chars = types + typecnt * 6;
  for (let i = 0; i < typecnt; i++) {
    const at = types + i * 6;
    if (at + 6 > data.length) break;
    const utoff = data.readInt32BE(at);
    const isDst = data[at + 4] === 1;
    const idx = data[at + 5] ?? 0;
    const end = data.indexOf(0, chars + idx);
    const abbr = data.toString('latin1', chars + idx, end < 0 ? chars + charcnt : end);
    const list = out.get(utoff) ?? [];
    if (!list.some((e) => e.abbr === abbr)) list.push({ abbr, isDst });
    out.set(utoff, list);
  }
  // Later entries describe the current rules: prefer them.
  for (const list of out.values()) list.reverse();
  return out;
}

export function loadZone(tz: string | undefined = process.env.TZ): ZoneInfo {
  const path = zoneFile(tz);
  let abbreviations = new Map<number, { abbr: string; isDst: boolean }[]>();
  try {
    abbreviations = parseTzif(readFileSync(path));
  } catch {
    // No zone file: libc falls back to UTC.
  }
  if (abbreviations.size === 0) abbreviations.set(0, [{ abbr: 'UTC', isDst: false }]);
  return { abbreviations };
}
