// Entries of several journal files in sd-journal's order: matches (same field
// ORed, different fields ANDed) from each DATA object's own entry list,
// --since/--until as journalctl applies them, files merged by seqnum within
// one seqnum ID, else boot + monotonic, else realtime, and an entry present
// in two files (a copy with the same seqnum, boot, times and xor_hash) shown once.
import { JournalFileError } from './errors.js';
import { HeadFields, sameBoot } from './entry-head.js';
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

/** The union of two sorted offset lists (a value in both once). */
function mergeSorted(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as number;
    const y = b[j] as number;
    if (x <= y) {
      out[n++] = x;
      i++;
      if (x === y) j++;
    } else {
      out[n++] = y;
      j++;
    }
  }
  while (i < a.length) out[n++] = a[i++] as number;
  while (j < b.length) out[n++] = b[j++] as number;
  return out.subarray(0, n);
}

/** The intersection of two sorted offset lists. */
function intersectSorted(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(Math.min(a.length, b.length));
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as number;
    const y = b[j] as number;
    if (x === y) {
      out[n++] = x;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out.subarray(0, n);
}

/** Matches grouped by field (values ORed within one, fields ANDed), as payload bytes. */
type MatchFields = readonly (readonly Buffer[])[];

/**
 * `matches` by field, checked as sd_journal_add_match() does (throws
 * 'unsupported' for an invalid one). The last field named comes first: user
 * matches follow the MESSAGE_ID ones, and a field most files lack lets a file
 * be skipped after one lookup.
 */
function matchFields(matches: readonly string[], path: string): MatchFields {
  const byField = new Map<string, Set<string>>();
  for (const m of matches) {
    if (!isValidMatch(m)) throw new JournalFileError('unsupported', path, `invalid match '${m}'`);
    const name = m.slice(0, m.indexOf('='));
    const values = byField.get(name);
    if (values === undefined) byField.set(name, new Set([m]));
    else values.add(m);
  }
  return [...byField.values()].reverse().map((values) => [...values].map((v) => Buffer.from(v)));
}

/** Entry offsets in `file` matching `matches`, in file order. */
export function matchingOffsets(file: JournalFile, matches: readonly string[]): Float64Array {
  return matches.length === 0
    ? file.allEntryOffsets()
    : offsetsOf(file, matchFields(matches, file.path));
}

function offsetsOf(file: JournalFile, fields: MatchFields): Float64Array {
  if (fields.length === 0) return file.allEntryOffsets();
  // Every field's DATA objects first: a field with none in this file (most
  // files hold no entry of a given match) means no entry, before any entry
  // list is walked.
  const objects: number[][] = [];
  for (const payloads of fields) {
    const found: number[] = [];
    for (const p of payloads) {
      const data = file.findData(p);
      if (data !== undefined) found.push(data);
    }
    if (found.length === 0) return new Float64Array(0);
    objects.push(found);
  }
  let result: Float64Array | undefined;
  for (const found of objects) {
    let union = file.dataEntryOffsets(found[0] ?? 0);
    for (let i = 1; i < found.length; i++)
      union = mergeSorted(union, file.dataEntryOffsets(found[i] ?? 0));
    result = result === undefined ? union : intersectSorted(result, union);
    if (result.length === 0) break;
  }
  return result ?? new Float64Array(0);
}

/**
 * The offset at `offsets[i]` as a small integer when it is one (below 1 GiB,
 * as nearly all are): a Float64Array element is read as a heap-allocated
 * double by code V8 has not optimised, and every sum or difference of it
 * (the reader's position arithmetic, per entry and item) would be another.
 */
function offsetAt(offsets: Float64Array, i: number): number {
  const x = offsets[i] as number;
  return x < 0x4000_0000 ? x | 0 : x;
}

const cmp = (a: number, b: number): number => (a < b ? -1 : a > b ? 1 : 0);

/** One file's place in a query: its matching entries and the head of the one at `pos`. */
class Cursor extends HeadFields {
  file: JournalFile | undefined;
  /** The file's seqnum ID as a small number: files with the same ID have the same one. */
  seqnumKey: number;
  readonly offsets: Float64Array;
  pos = 0;
  /** The head fields hold the entry at `pos`. */
  loaded = false;

  constructor(file: JournalFile | undefined, seqnumKey: number, offsets: Float64Array) {
    super();
    this.file = file;
    this.seqnumKey = seqnumKey;
    this.offsets = offsets;
  }

  /** Load the head at `pos`; false when there is none (past either end, or a torn tail). */
  load(): boolean {
    if (this.loaded) return true;
    if (this.pos < 0 || this.pos >= this.offsets.length || this.file === undefined) return false;
    if (!this.file.readHead(offsetAt(this.offsets, this.pos), this)) {
      this.pos = -1; // torn tail: nothing more from this file
      return false;
    }
    return (this.loaded = true);
  }

  /** Take another cursor's current entry (the query's location). */
  copyFrom(c: Cursor): void {
    this.file = c.file;
    this.seqnumKey = c.seqnumKey;
    this.seqnum = c.seqnum;
    this.realtimeUsec = c.realtimeUsec;
    this.monotonicUsec = c.monotonicUsec;
    this.boot0 = c.boot0;
    this.boot1 = c.boot1;
    this.boot2 = c.boot2;
    this.boot3 = c.boot3;
    this.xorHashHigh = c.xorHashHigh;
    this.xorHashLow = c.xorHashLow;
  }
}

/**
 * journal_file_compare_locations(): the order of two entries from different
 * files. Numbers only, no string per entry.
 */
function compareHeads(a: Cursor, b: Cursor): number {
  if (a.seqnumKey === b.seqnumKey && a.seqnum !== b.seqnum) return a.seqnum < b.seqnum ? -1 : 1;
  if (sameBoot(a, b) && a.monotonicUsec !== b.monotonicUsec)
    return a.monotonicUsec < b.monotonicUsec ? -1 : 1;
  return (
    cmp(a.realtimeUsec, b.realtimeUsec) ||
    cmp(a.xorHashHigh, b.xorHashHigh) ||
    cmp(a.xorHashLow, b.xorHashLow)
  );
}

/** compare_with_location(): 0 means `e` is the entry just shown (or its copy in another file). */
function compareWithLocation(e: Cursor, loc: Cursor): number {
  if (
    e.file !== loc.file &&
    e.realtimeUsec === loc.realtimeUsec &&
    e.xorHashHigh === loc.xorHashHigh &&
    e.xorHashLow === loc.xorHashLow &&
    e.seqnumKey === loc.seqnumKey &&
    e.seqnum === loc.seqnum &&
    sameBoot(e, loc)
  )
    return 0;
  return compareHeads(e, loc);
}

/** First index whose entry's realtime is >= usec (bisection, as a seek assumes order). */
function lowerBound(file: JournalFile, offsets: Float64Array, usec: number): number {
  const h = new HeadFields();
  let lo = 0;
  let hi = offsets.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (!file.readHead(offsetAt(offsets, mid), h)) hi = mid;
    else if (h.realtimeUsec < usec) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A query's walk over `files`, one entry at a time, in journalctl's order:
 * next() moves to the next entry, whose place is then `file` and `offset`
 * (and its head fields, as HeadFields). No object per entry: a listing walks
 * thousands. Files must stay open while walking. Throws JournalFileError for
 * what it cannot read.
 */
export class QueryWalk {
  /** The current entry (after next() returned true). */
  file: JournalFile | undefined;
  offset = 0;
  private readonly cursors: Cursor[] = [];
  /** The entry shown last, to step past it and its copies. */
  private readonly location = new Cursor(undefined, -1, new Float64Array(0));
  private located = false;
  private readonly reverse: boolean;
  private readonly step: number;
  private readonly sinceUsec: number | undefined;
  private readonly untilUsec: number | undefined;

  constructor(files: readonly JournalFile[], q: FileQuery = {}) {
    this.reverse = q.reverse === true;
    this.step = this.reverse ? -1 : 1;
    this.sinceUsec = q.sinceUsec;
    this.untilUsec = q.untilUsec;
    const seqnumKeys = new Map<string, number>();
    const fields = files.length === 0 ? [] : matchFields(q.matches ?? [], files[0]?.path ?? '');
    for (const file of files) {
      const offsets = offsetsOf(file, fields);
      let key = seqnumKeys.get(file.seqnumId);
      if (key === undefined) seqnumKeys.set(file.seqnumId, (key = seqnumKeys.size));
      const c = new Cursor(file, key, offsets);
      if (!this.reverse)
        c.pos = q.sinceUsec !== undefined ? lowerBound(file, offsets, q.sinceUsec) : 0;
      else
        c.pos =
          (q.untilUsec !== undefined
            ? lowerBound(file, offsets, q.untilUsec + 1)
            : offsets.length) - 1;
      if (c.pos >= 0 && c.pos < offsets.length) this.cursors.push(c);
    }
  }

  /** The current entry's realtime (µs). */
  get realtimeUsec(): number {
    return this.location.realtimeUsec;
  }

  /** Move to the next entry; false when there is none. */
  next(): boolean {
    const { cursors, location, reverse } = this;
    let best: Cursor | undefined;
    // Indexed loops: this runs per entry, mostly before the JIT has compiled it.
    for (let i = 0; i < cursors.length; i++) {
      const c = cursors[i] as Cursor;
      // Step past the location: entries already shown, and copies of the one just shown.
      while (c.load()) {
        if (!this.located) break;
        const k = compareWithLocation(c, location);
        if (reverse ? k < 0 : k > 0) break;
        c.pos += this.step;
        c.loaded = false;
      }
      if (!c.loaded) continue;
      if (best === undefined) best = c;
      else {
        const k = compareHeads(c, best);
        if (reverse ? k > 0 : k < 0) best = c;
      }
    }
    if (best?.file === undefined) return false;
    if (!reverse && this.untilUsec !== undefined && best.realtimeUsec > this.untilUsec)
      return false;
    if (reverse && this.sinceUsec !== undefined && best.realtimeUsec < this.sinceUsec) return false;
    this.file = best.file;
    this.offset = offsetAt(best.offsets, best.pos);
    location.copyFrom(best);
    this.located = true;
    best.pos += this.step;
    best.loaded = false;
    return true;
  }

  /** The current entry's EntryHead. */
  head(): EntryHead {
    if (this.file === undefined) throw new RangeError('QueryWalk.head() before next()');
    return this.file.makeHead(this.offset, this.location);
  }
}

/** The entries of a QueryWalk as EntryHeads. */
export function* queryFiles(
  files: readonly JournalFile[],
  q: FileQuery = {},
): Generator<EntryHead> {
  const walk = new QueryWalk(files, q);
  while (walk.next()) yield walk.head();
}
