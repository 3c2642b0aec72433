// Entries of several journal files in sd-journal's order: matches (same field
// ORed, different fields ANDed) from each DATA object's own entry list,
// --since/--until as journalctl applies them, files merged by seqnum within
// one seqnum ID, else boot + monotonic, else realtime, and an entry present
// in two files (a copy with the same seqnum, boot, times and xor_hash) shown once.
import { JournalFileError } from './errors.js';
import { JournalFile, type EntryHead } from './journal-file.js';

export interface FileQuery {
  /** `FIELD=value` matches; same field ORed, different fields ANDed. Empty: every entry. */
  matches?: readonly string[];
  /** Inclusive realtime bounds (µs). */
  sinceUsec?: number;
  untilUsec?: number;
  /** Newest first. */
  reverse?: boolean;
}

/** sd_journal_add_match()'s check: `FIELD=` with FIELD of A-Z, 0-9, '_' and not starting "__". */
export function isValidMatch(match: string): boolean {
  if (match.length < 2 || match.startsWith('__')) return false;
  const eq = match.indexOf('=');
  return eq > 0 && /^[A-Z0-9_]+$/.test(match.slice(0, eq));
}

function mergeSorted(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i] ?? Infinity;
    const y = b[j] ?? Infinity;
    if (x <= y) {
      out.push(x);
      i++;
      if (x === y) j++;
    } else {
      out.push(y);
      j++;
    }
  }
  return out;
}

function intersectSorted(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as number;
    const y = b[j] as number;
    if (x === y) {
      out.push(x);
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out;
}

/** Entry offsets in `file` matching `matches`, in file order. */
export function matchingOffsets(file: JournalFile, matches: readonly string[]): number[] {
  if (matches.length === 0) return file.allEntryOffsets();
  const byField = new Map<string, string[]>();
  for (const m of matches) {
    if (!isValidMatch(m))
      throw new JournalFileError('unsupported', file.path, `invalid match '${m}'`);
    const name = m.slice(0, m.indexOf('='));
    byField.set(name, [...(byField.get(name) ?? []), m]);
  }
  let result: number[] | undefined;
  for (const values of byField.values()) {
    let union: number[] = [];
    for (const v of new Set(values)) {
      const data = file.findData(Buffer.from(v, 'utf8'));
      if (data !== undefined) union = mergeSorted(union, file.dataEntryOffsets(data));
    }
    result = result === undefined ? union : intersectSorted(result, union);
    if (result.length === 0) break;
  }
  return result ?? [];
}

const cmp = (a: number, b: number): number => (a < b ? -1 : a > b ? 1 : 0);

/** journal_file_compare_locations(): the order of two entries from different files. */
export function compareEntries(a: EntryHead, b: EntryHead): number {
  if (a.file.seqnumId === b.file.seqnumId) {
    const r = cmp(a.seqnum, b.seqnum);
    if (r !== 0) return r;
  }
  if (a.bootId === b.bootId) {
    const r = cmp(a.monotonicUsec, b.monotonicUsec);
    if (r !== 0) return r;
  }
  return (
    cmp(a.realtimeUsec, b.realtimeUsec) ||
    cmp(a.xorHashHigh, b.xorHashHigh) ||
    cmp(a.xorHashLow, b.xorHashLow)
  );
}

/** compare_with_location(): 0 means `e` is the entry just shown (or its copy in another file). */
function compareWithLocation(e: EntryHead, loc: EntryHead): number {
  if (
    e.file !== loc.file &&
    e.bootId === loc.bootId &&
    e.realtimeUsec === loc.realtimeUsec &&
    e.xorHashHigh === loc.xorHashHigh &&
    e.xorHashLow === loc.xorHashLow &&
    e.file.seqnumId === loc.file.seqnumId &&
    e.seqnum === loc.seqnum
  )
    return 0;
  return compareEntries(e, loc);
}

interface Cursor {
  file: JournalFile;
  offsets: number[];
  pos: number;
  head: EntryHead | undefined;
}

/** First index whose entry's realtime is >= usec (bisection, as a seek assumes order). */
function lowerBound(c: Cursor, usec: number): number {
  let lo = 0;
  let hi = c.offsets.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const h = c.file.entryHead(c.offsets[mid] as number);
    if (h === undefined) hi = mid;
    else if (h.realtimeUsec < usec) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Yields the matching entries of `files` in journalctl's order. Files must
 * stay open while iterating. Throws JournalFileError for what it cannot read.
 */
export function* queryFiles(
  files: readonly JournalFile[],
  q: FileQuery = {},
): Generator<EntryHead> {
  const reverse = q.reverse === true;
  const step = reverse ? -1 : 1;
  const cursors: Cursor[] = files.map((file) => {
    const offsets = matchingOffsets(file, q.matches ?? []);
    const c: Cursor = { file, offsets, pos: 0, head: undefined };
    if (!reverse) c.pos = q.sinceUsec !== undefined ? lowerBound(c, q.sinceUsec) : 0;
    else c.pos = (q.untilUsec !== undefined ? lowerBound(c, q.untilUsec + 1) : offsets.length) - 1;
    return c;
  });
  let location: EntryHead | undefined;
  for (;;) {
    let best: Cursor | undefined;
    for (const c of cursors) {
      while (c.pos >= 0 && c.pos < c.offsets.length) {
        c.head ??= c.file.entryHead(c.offsets[c.pos] as number);
        if (c.head === undefined) {
          c.pos = -1; // torn tail: nothing more from this file
          break;
        }
        if (location === undefined) break;
        const k = compareWithLocation(c.head, location);
        if (reverse ? k < 0 : k > 0) break;
        c.pos += step;
        c.head = undefined;
      }
      if (c.head === undefined || c.pos < 0 || c.pos >= c.offsets.length) continue;
      if (best?.head === undefined) best = c;
      else {
        const k = compareEntries(c.head, best.head);
        if (reverse ? k > 0 : k < 0) best = c;
      }
    }
    const head = best?.head;
    if (best === undefined || head === undefined) return;
    if (!reverse && q.untilUsec !== undefined && head.realtimeUsec > q.untilUsec) return;
    if (reverse && q.sinceUsec !== undefined && head.realtimeUsec < q.sinceUsec) return;
    yield head;
    location = head;
    best.pos += step;
    best.head = undefined;
  }
}
