// One journal file opened read-only: header, object validation, the data hash
// table, entry arrays (the file's own and each DATA object's) and entries.
// A file written by a live journald may end in objects not written yet: a
// walk stops at the first object that does not validate instead of failing.
import { closeSync, fstatSync, openSync } from 'node:fs';
import { endianness } from 'node:os';
import { DATA_SIZE_MAX } from '../export-parser.js';
import { FileBytes } from './bytes.js';
import { ChainGuard } from './chain-guard.js';
import { JournalFileError } from './errors.js';
import {
  DATA,
  ENTRY,
  ENTRY_ARRAY,
  FIELD,
  HASH_ITEM_SIZE,
  HEADER,
  INCOMPAT_COMPACT,
  INCOMPAT_KEYED_HASH,
  INCOMPAT_KNOWN,
  OBJECT_COMPRESSED_MASK,
  OBJECT_COMPRESSED_ZSTD,
  OBJECT_DATA,
  OBJECT_ENTRY,
  OBJECT_ENTRY_ARRAY,
  OBJECT_FIELD,
  OBJECT_HEADER_SIZE,
  SIGNATURE,
} from './format.js';
import { siphash24 } from './siphash.js';
import { zstdDecompressCapped } from './zstd.js';
import {
  bootIdText,
  HeadFields,
  matchWantedName,
  sameBoot,
  wantedNames,
  type WantedNames,
} from './entry-head.js';

/** What sd-journal compares entries by (seqnum within a seqnum ID, boot + monotonic, realtime, xor_hash). */
export interface EntryHead {
  readonly file: JournalFile;
  readonly offset: number;
  readonly seqnum: number;
  readonly realtimeUsec: number;
  readonly monotonicUsec: number;
  /** boot_id's 16 bytes as a latin1 string (compared, rarely printed: see entryCursor). */
  readonly bootId: string;
  /** xor_hash as two unsigned 32-bit halves (exact 64-bit compares without BigInt). */
  readonly xorHashHigh: number;
  readonly xorHashLow: number;
}

/** One DATA object: its field name and value (null when not loaded). */
export interface DataItem {
  readonly name: string;
  /** The value bytes, or null when omitted or over the size limit asked for. */
  readonly value: Buffer | null;
  /** Uncompressed payload length (`NAME=value`), when known without decompressing. */
  readonly payloadBytes: number | undefined;
}

/** A shared DATA object read as text: its field's place in the wanted set, and its value. */
interface TextItem {
  readonly index: number;
  readonly text: string | null;
}

/**
 * A little-endian u64 (offsets and times fit in 2^53). A value whose high
 * word is 0 (every offset and size) comes back as the low word as it is: the
 * product with 2^32 would be a heap-allocated double in code V8 has not
 * optimised, and so would everything computed from it (~20 MB of garbage
 * over a 5,000-entry listing).
 */
function u64(b: Buffer, at: number): number {
  const high = b.readUInt32LE(at + 4);
  const low = b.readUInt32LE(at);
  return high === 0 ? low : high * 0x1_0000_0000 + low;
}

/** u64() at word-aligned byte position `at` of `words`. */
function word64(words: Uint32Array, at: number): number {
  const i = at >>> 2;
  const high = words[i + 1] ?? 0;
  const low = words[i] ?? 0;
  return high === 0 ? low : high * 0x1_0000_0000 + low;
}

function hex(b: Buffer): string {
  return b.toString('hex');
}

export class JournalFile {
  readonly path: string;
  readonly fileId: Buffer;
  readonly seqnumId: string;
  readonly compact: boolean;
  readonly incompatibleFlags: number;
  /** n_entries when the file was opened: later entries of a live file are not seen. */
  readonly nEntries: number;
  private readonly bytes: FileBytes;
  private readonly fd: number;
  private readonly headerSize: number;
  private readonly entryArrayOffset: number;
  private readonly dataHashTable: { offset: number; buckets: number };
  private readonly fieldHashTable: { offset: number; buckets: number };
  /** Entry item size: le32 offset (compact) or le64 offset + le64 hash. */
  private readonly itemBytes: number;
  /**
   * Loaded DATA objects by offset, for the options in `cachedFor`. Only
   * objects shared by more than one entry (n_entries > 1) are kept: a value
   * unique to its entry (a PID, a file name) is read once anyway.
   */
  private readonly dataCache = new Map<number, DataItem>();
  private readonly textCache = new Map<number, TextItem>();
  /**
   * One bit per 8-byte slot: shared DATA objects of fields not wanted. Most
   * objects an entry points to are such; a bitset keeps them out of the Map
   * (and the GC).
   */
  private unwantedBits: Uint8Array | undefined;
  private cachedFor: ReadDataOptions = {};
  /** cachedFor.wanted as bytes */
  private wanted: WantedNames | undefined;
  /** The longest wanted name + 1: how much of a payload says whether it is wanted. */
  private wantedPrefixBytes = 256;
  /** Item offsets of the entry being read (reused: one array per file, not per entry). */
  private readonly items: number[] = [];
  /** Flags of the object objectSize() validated last. */
  private objectFlags = 0;
  /** What loadData() found last (reused, read at once by readData()/readText()). */
  private readonly loaded: LoadedData = {
    payload: undefined,
    valueAt: 0,
    valueBytes: 0,
    payloadBytes: undefined,
    isNull: false,
    shared: false,
    index: -1,
  };
  /** The boot ID makeHead() converted last, and its text. */
  private readonly lastBoot = new HeadFields();
  private lastBootText: string | undefined;

  private constructor(path: string, fd: number, bytes: FileBytes, header: Buffer) {
    this.path = path;
    this.fd = fd;
    this.bytes = bytes;
    this.fileId = Buffer.from(header.subarray(HEADER.fileId, HEADER.fileId + 16));
    this.seqnumId = hex(header.subarray(HEADER.seqnumId, HEADER.seqnumId + 16));
    this.incompatibleFlags = header.readUInt32LE(HEADER.incompatibleFlags);
    this.compact = (this.incompatibleFlags & INCOMPAT_COMPACT) !== 0;
    this.itemBytes = this.compact ? 4 : 16;
    this.headerSize = u64(header, HEADER.headerSize);
    this.nEntries = u64(header, HEADER.nEntries);
    this.entryArrayOffset = u64(header, HEADER.entryArrayOffset);
    this.dataHashTable = {
      offset: u64(header, HEADER.dataHashTableOffset),
      buckets: Math.floor(u64(header, HEADER.dataHashTableSize) / HASH_ITEM_SIZE),
    };
    this.fieldHashTable = {
      offset: u64(header, HEADER.fieldHashTableOffset),
      buckets: Math.floor(u64(header, HEADER.fieldHashTableSize) / HASH_ITEM_SIZE),
    };
  }

  /** Open and check the header. Throws JournalFileError ('io', 'corrupt', 'unsupported'). */
  static open(path: string): JournalFile {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (cause) {
      throw new JournalFileError('io', path, (cause as Error).message, cause);
    }
    try {
      const bytes = new FileBytes(fd, fstatSync(fd).size);
      const header = bytes.view(0, HEADER.minSize);
      if (header?.toString('latin1', 0, 8) !== SIGNATURE)
        throw new JournalFileError('corrupt', path, 'not a journal file (bad signature)');
      const incompat = header.readUInt32LE(HEADER.incompatibleFlags);
      if ((incompat & ~INCOMPAT_KNOWN) !== 0)
        throw new JournalFileError('unsupported', path, `unknown incompatible flags ${incompat}`);
      if (endianness() !== 'LE')
        throw new JournalFileError(
          'unsupported',
          path,
          'big-endian host (words are read natively)',
        );
      if ((incompat & INCOMPAT_KEYED_HASH) === 0)
        throw new JournalFileError('unsupported', path, 'unkeyed (jenkins) hash tables');
      if (u64(header, HEADER.headerSize) < HEADER.minSize)
        throw new JournalFileError('unsupported', path, 'header too short');
      return new JournalFile(path, fd, bytes, header);
    } catch (error) {
      closeSync(fd);
      if (error instanceof JournalFileError) throw error;
      throw new JournalFileError('io', path, (error as Error).message, error);
    }
  }

  close(): void {
    closeSync(this.fd);
  }

  /**
   * The size of the object at `offset` if it validates as `type` of at least
   * `minSize` bytes, else -1; its flags are left in `objectFlags`. A number,
   * not an object: this runs for every entry and DATA object a query reads.
   */
  private objectSize(offset: number, type: number, minSize: number): number {
    if (offset % 8 !== 0 || offset < this.headerSize) return -1;
    const b = this.bytes;
    if (!b.locate(offset, OBJECT_HEADER_SIZE) || b.buf[b.pos] !== type) return -1;
    const size = word64(b.words, b.pos + 8);
    if (size < minSize || offset + size > b.sizeBytes) return -1;
    this.objectFlags = b.buf[b.pos + 1] ?? 0;
    return size;
  }

  /** Offsets of every entry in file order (the header's entry array chain). */
  allEntryOffsets(): Float64Array {
    return this.walkArrays(this.entryArrayOffset, this.offsetsFor(this.nEntries), 0);
  }

  /** Offsets of the entries holding the DATA object at `dataOffset`, in file order. */
  dataEntryOffsets(dataOffset: number): Float64Array {
    if (this.objectSize(dataOffset, OBJECT_DATA, this.dataPayloadStart()) < 0)
      throw this.corrupt(`bad DATA object at ${dataOffset}`);
    const h = this.view(dataOffset, DATA.payload);
    const n = u64(h, DATA.nEntries);
    const first = u64(h, DATA.entryOffset);
    if (n === 0 || first === 0) return new Float64Array(0);
    const out = this.offsetsFor(n);
    out[0] = first;
    return this.walkArrays(u64(h, DATA.entryArrayOffset), out, 1);
  }

  /** Room for `count` entry offsets, no more than the file can hold entries (a bad count). */
  private offsetsFor(count: number): Float64Array {
    return new Float64Array(Math.min(count, Math.floor(this.bytes.sizeBytes / ENTRY.items)));
  }

  /**
   * Fill `out` from index `filled` with the offsets of the entry array chain
   * at `arrayOffset`; the part filled. Typed arrays, and compact arrays
   * copied whole: the matches of a query walk thousands of items at start-up.
   */
  private walkArrays(arrayOffset: number, out: Float64Array, filled: number): Float64Array {
    // Entry array items are le32 in compact files, le64 otherwise (no hash, unlike entry items).
    const itemBytes = this.compact ? 4 : 8;
    let next = arrayOffset;
    let n = filled;
    // An array with no item slots adds nothing: only the guard ends a loop of those.
    const guard = this.chainGuard(ENTRY_ARRAY.items);
    while (n < out.length && next !== 0 && guard.step(next)) {
      const size = this.objectSize(next, OBJECT_ENTRY_ARRAY, ENTRY_ARRAY.items);
      if (size < 0) break; // torn tail of a live file
      const b = this.bytes;
      if (!b.locate(next, size)) break;
      const words = b.words;
      const base = b.pos;
      const slots = Math.min(Math.floor((size - ENTRY_ARRAY.items) / itemBytes), out.length - n);
      const first = (base + ENTRY_ARRAY.items) >>> 2;
      if (this.compact) {
        const items = words.subarray(first, first + slots);
        const end = items.indexOf(0); // unused slots are zero
        out.set(end < 0 ? items : items.subarray(0, end), n);
        if (end >= 0) return out.subarray(0, n + end);
        n += slots;
      } else {
        for (let i = 0; i < slots; i++) {
          const entry = word64(words, (first + 2 * i) << 2);
          if (entry === 0) return out.subarray(0, n);
          out[n++] = entry;
        }
      }
      next = word64(words, base + ENTRY_ARRAY.next);
    }
    return out.subarray(0, n);
  }

  /**
   * Read the ordering fields of the entry at `offset` into `into`; false
   * when it does not validate (torn tail). Allocates nothing.
   */
  readHead(offset: number, into: HeadFields): boolean {
    // One locate() for the object header and the fields (objectSize() inlined):
    // past EOF the header does not validate either.
    if (offset % 8 !== 0 || offset < this.headerSize) return false;
    const bytes = this.bytes;
    if (!bytes.locate(offset, ENTRY.items)) return false;
    const w = bytes.words;
    const p = bytes.pos;
    const size = word64(w, p + 8);
    if (bytes.buf[p] !== OBJECT_ENTRY || size < ENTRY.items || offset + size > bytes.sizeBytes)
      return false;
    const boot = (p + ENTRY.bootId) >>> 2;
    into.seqnum = word64(w, p + ENTRY.seqnum);
    into.realtimeUsec = word64(w, p + ENTRY.realtime);
    into.monotonicUsec = word64(w, p + ENTRY.monotonic);
    into.boot0 = w[boot] ?? 0;
    into.boot1 = w[boot + 1] ?? 0;
    into.boot2 = w[boot + 2] ?? 0;
    into.boot3 = w[boot + 3] ?? 0;
    into.xorHashHigh = w[(p + ENTRY.xorHash + 4) >>> 2] ?? 0;
    into.xorHashLow = w[(p + ENTRY.xorHash) >>> 2] ?? 0;
    return true;
  }

  /** An EntryHead of the entry at `offset` whose fields readHead() put in `h`. */
  makeHead(offset: number, h: HeadFields): EntryHead {
    const last = this.lastBoot;
    if (this.lastBootText === undefined || !sameBoot(last, h)) {
      // Boot IDs change rarely from one entry to the next: one string per change.
      last.boot0 = h.boot0;
      last.boot1 = h.boot1;
      last.boot2 = h.boot2;
      last.boot3 = h.boot3;
      this.lastBootText = bootIdText(h);
    }
    return {
      file: this,
      offset,
      seqnum: h.seqnum,
      realtimeUsec: h.realtimeUsec,
      monotonicUsec: h.monotonicUsec,
      bootId: this.lastBootText,
      xorHashHigh: h.xorHashHigh,
      xorHashLow: h.xorHashLow,
    };
  }

  /** The number of items of the entry at `offset`, with the whole entry located. */
  private itemCount(offset: number): number {
    const size = this.objectSize(offset, OBJECT_ENTRY, ENTRY.items);
    if (size < 0 || !this.bytes.locate(offset, size))
      throw this.corrupt(`bad ENTRY object at ${offset}`);
    return Math.floor((size - ENTRY.items) / this.itemBytes);
  }

  /**
   * Copy the item offsets of an entry into `this.items`, without those
   * already known to be of fields not wanted (one bit test each); returns
   * how many. Copied because reading a DATA object moves the window.
   */
  private wantedItems(offset: number, opts: ReadDataOptions): number {
    this.useOptions(opts);
    const n = this.itemCount(offset);
    const bytes = this.bytes;
    const w = bytes.words;
    const bits = this.unwantedBits;
    const items = this.items;
    const compact = this.compact;
    const step = this.itemBytes;
    let count = 0;
    let at = bytes.pos + ENTRY.items;
    for (let i = 0; i < n; i++, at += step) {
      const data = compact ? (w[at >>> 2] ?? 0) : word64(w, at);
      if (bits !== undefined) {
        const slot = data >>> 3;
        if (((bits[slot >>> 3] ?? 0) & (1 << (slot & 7))) !== 0) continue;
      }
      items[count++] = data;
    }
    return count;
  }

  /**
   * The DATA items of an entry, in item order, without those of fields not
   * wanted (the hot loop of a listing: an already classified unwanted object
   * costs one bit test).
   */
  entryData(offset: number, opts: ReadDataOptions = {}): DataItem[] {
    const n = this.wantedItems(offset, opts);
    const out: DataItem[] = [];
    for (let i = 0; i < n; i++) {
      const item = this.readData(this.items[i] ?? 0, opts);
      if (item !== UNWANTED) out.push(item);
    }
    return out;
  }

  /**
   * The last value of each wanted field of an entry, as text, into `out` at
   * the field's place in `opts.wanted` (what RETRIEVE() keeps): decoded from
   * the file's bytes straight into a string (invalid UTF-8 becomes U+FFFD),
   * null when not loaded (omitted, or `nullAtBytes` long); a field the entry
   * lacks leaves its place alone. No Buffer, Map or item per value: a listing
   * reads thousands of entries.
   */
  entryTexts(offset: number, opts: ReadDataOptions, out: (string | null | undefined)[]): void {
    const n = this.wantedItems(offset, opts);
    for (let i = 0; i < n; i++) this.readText(this.items[i] ?? 0, opts, out);
  }

  private dataPayloadStart(): number {
    return this.compact ? DATA.payloadCompact : DATA.payload;
  }

  /** The caches hold answers for one set of options: a new set clears them. */
  private useOptions(opts: ReadDataOptions): void {
    const c = this.cachedFor;
    if (
      opts.wanted === c.wanted &&
      opts.omitted === c.omitted &&
      opts.nullAtBytes === c.nullAtBytes
    )
      return;
    this.dataCache.clear();
    this.textCache.clear();
    this.unwantedBits = undefined;
    this.cachedFor = opts;
    this.wanted = opts.wanted === undefined ? undefined : wantedNames(opts.wanted);
    this.wantedPrefixBytes =
      this.wanted === undefined
        ? 256
        : Math.max(0, ...this.wanted.list.map((w) => w.bytes.length)) + 1;
  }

  /**
   * The DATA object at `offset`. `omitted(offset)` says a compressed object
   * belongs to a field the caller does not want loaded (checked before
   * decompressing); values of `nullAtBytes` or more payload bytes are null.
   */
  readData(offset: number, opts: ReadDataOptions = {}): DataItem {
    this.useOptions(opts);
    if (this.isUnwanted(offset)) return UNWANTED;
    const cached = this.dataCache.get(offset);
    if (cached !== undefined) return cached;
    const name = this.loadData(offset, opts);
    if (name === undefined) return UNWANTED;
    const d = this.loaded;
    let value: Buffer | null = null;
    if (!d.isNull)
      value =
        d.payload === undefined
          ? Buffer.from(this.view(d.valueAt, d.valueBytes)) // chunk buffers are reused: copied
          : d.payload.subarray(d.valueAt);
    const item: DataItem = { name, value, payloadBytes: d.payloadBytes };
    if (d.shared) this.dataCache.set(offset, item);
    return item;
  }

  /**
   * readData() as text, into `out` at the field's index (nothing when not
   * wanted). For the items wantedItems() kept: those already known unwanted
   * are not among them.
   */
  private readText(
    offset: number,
    opts: ReadDataOptions,
    out: (string | null | undefined)[],
  ): void {
    const cached = this.textCache.get(offset);
    if (cached !== undefined) {
      out[cached.index] = cached.text;
      return;
    }
    if (this.loadData(offset, opts) === undefined) return;
    const d = this.loaded;
    if (d.index < 0) return;
    let text: string | null = null;
    if (d.isNull) text = null;
    else if (d.payload !== undefined) text = d.payload.toString('utf8', d.valueAt);
    else {
      text = this.bytes.utf8(d.valueAt, d.valueBytes) ?? null;
      if (text === null) throw this.corrupt(`bad DATA object at ${offset}`);
    }
    out[d.index] = text;
    if (d.shared) this.textCache.set(offset, { index: d.index, text });
  }

  /**
   * Validate and classify the DATA object at `offset`: its field name, or
   * undefined when the field is not wanted (then marked so). Where the value
   * is goes to `this.loaded`; nothing is copied yet.
   */
  private loadData(offset: number, opts: ReadDataOptions): string | undefined {
    const start = this.dataPayloadStart();
    const size = this.objectSize(offset, OBJECT_DATA, start);
    if (size < 0) throw this.corrupt(`bad DATA object at ${offset}`);
    const compression = this.objectFlags & OBJECT_COMPRESSED_MASK;
    const storedBytes = size - start;
    const b = this.bytes;
    const prefix = compression === 0 ? Math.min(storedBytes, this.wantedPrefixBytes) : 0;
    if (!b.locate(offset, start + prefix)) throw this.corrupt(`bad DATA object at ${offset}`);
    const d = this.loaded;
    d.shared = word64(b.words, b.pos + DATA.nEntries) > 1;
    d.payload = undefined;
    d.index = -1;
    let name: string;
    if (compression === 0) {
      const at = b.pos + start;
      let eq: number;
      if (this.wanted === undefined) {
        const found = b.buf.indexOf(0x3d, at);
        eq = found < 0 || found >= at + prefix ? -1 : found - at;
        if (eq <= 0) throw this.corrupt(`DATA object at ${offset} without '='`);
        name = b.buf.toString('latin1', at, at + eq);
      } else {
        // Compared as bytes: most DATA objects are not wanted, and their names never become strings.
        const match = matchWantedName(this.wanted, b.buf, at, prefix);
        if (match === undefined) {
          this.markUnwanted(offset, d.shared);
          return undefined;
        }
        name = match.text;
        d.index = match.index;
        eq = match.bytes.length;
      }
      d.valueAt = offset + start + eq + 1;
      d.valueBytes = storedBytes - eq - 1;
      d.payloadBytes = storedBytes;
      d.isNull = opts.nullAtBytes !== undefined && storedBytes >= opts.nullAtBytes;
      return name;
    }
    const omittedName = opts.omitted?.(offset);
    if (omittedName !== undefined) {
      d.index = this.wantedIndex(omittedName);
      d.payloadBytes = undefined;
      d.isNull = true;
      return omittedName;
    }
    // Only what can be shown is decompressed: up to nullAtBytes (a payload that
    // long is null anyway), else journald's largest payload and one byte more.
    const cap = Math.min(opts.nullAtBytes ?? Infinity, DATA_SIZE_MAX + 1);
    const payload = this.decompress(
      offset,
      compression,
      this.view(offset + start, storedBytes),
      cap,
    );
    if (payload.length > DATA_SIZE_MAX)
      throw this.corrupt(`DATA object at ${offset} inflates past ${DATA_SIZE_MAX} bytes`);
    const capped = payload.length >= cap;
    const eq = payload.indexOf(0x3d);
    if (eq <= 0) throw this.corrupt(`DATA object at ${offset} without '='`);
    name = payload.toString('latin1', 0, eq);
    if (opts.wanted !== undefined && !opts.wanted.has(name)) {
      this.markUnwanted(offset, d.shared);
      return undefined;
    }
    d.index = this.wantedIndex(name);
    d.payload = payload;
    d.valueAt = eq + 1;
    d.payloadBytes = capped ? undefined : payload.length;
    d.isNull = capped;
    return name;
  }

  /** The place of `name` in the wanted set, or -1. */
  private wantedIndex(name: string): number {
    return this.wanted?.list.find((w) => w.text === name)?.index ?? -1;
  }

  private isUnwanted(offset: number): boolean {
    const slot = offset >>> 3;
    return (
      this.unwantedBits !== undefined &&
      ((this.unwantedBits[slot >>> 3] ?? 0) & (1 << (slot & 7))) !== 0
    );
  }

  /** Remember an unwanted object met again later (a shared one). */
  private markUnwanted(offset: number, shared: boolean): void {
    if (!shared || this.bytes.sizeBytes > 0xffff_ffff) return; // the bitset indexes with 32-bit shifts
    this.unwantedBits ??= new Uint8Array(Math.ceil(this.bytes.sizeBytes / 64));
    const slot = offset >>> 3;
    this.unwantedBits[slot >>> 3] = (this.unwantedBits[slot >>> 3] ?? 0) | (1 << (slot & 7));
  }

  /** At most `maxBytes` of a compressed payload (see zstdDecompressCapped). */
  private decompress(offset: number, compression: number, data: Buffer, maxBytes: number): Buffer {
    if (compression !== OBJECT_COMPRESSED_ZSTD)
      throw new JournalFileError(
        'unsupported',
        this.path,
        `DATA object at ${offset}: xz/lz4 compression`,
      );
    try {
      return zstdDecompressCapped(data, maxBytes);
    } catch (cause) {
      throw new JournalFileError(
        'corrupt',
        this.path,
        `DATA object at ${offset}: ${(cause as Error).message}`,
        cause,
      );
    }
  }

  /** The DATA object whose payload is exactly `payload` (`NAME=value`), via the hash table. */
  findData(payload: Buffer): number | undefined {
    const hash = siphash24(payload, this.fileId);
    let at = this.bucketHead(this.dataHashTable, hash);
    const start = this.dataPayloadStart();
    const guard = this.chainGuard(start);
    while (at !== 0 && guard.step(at)) {
      const size = this.objectSize(at, OBJECT_DATA, start);
      if (size < 0) return undefined;
      const compression = this.objectFlags & OBJECT_COMPRESSED_MASK;
      const h = this.view(at, DATA.payload);
      const next = u64(h, DATA.nextHashOffset);
      if (h.readBigUInt64LE(DATA.hash) === hash) {
        const stored = this.view(at + start, size - start);
        const bytes =
          compression === 0 ? stored : this.decompress(at, compression, stored, payload.length + 1);
        if (bytes.equals(payload)) return at;
      }
      at = next;
    }
    return undefined;
  }

  /** Offsets of every DATA object of field `name` (the FIELD object's chain). */
  fieldDataOffsets(name: string): Set<number> {
    const out = new Set<number>();
    const payload = Buffer.from(name, 'latin1');
    const hash = siphash24(payload, this.fileId);
    let at = this.bucketHead(this.fieldHashTable, hash);
    let field: number | undefined;
    const guard = this.chainGuard(FIELD.payload);
    while (at !== 0 && guard.step(at)) {
      const size = this.objectSize(at, OBJECT_FIELD, FIELD.payload);
      if (size < 0) return out;
      const b = this.view(at, size);
      if (b.readBigUInt64LE(FIELD.hash) === hash && b.subarray(FIELD.payload).equals(payload)) {
        field = at;
        break;
      }
      at = u64(b, FIELD.nextHashOffset);
    }
    if (field === undefined) return out;
    let data = u64(this.view(field, FIELD.payload), FIELD.headDataOffset);
    const start = this.dataPayloadStart();
    while (data !== 0 && !out.has(data)) {
      if (this.objectSize(data, OBJECT_DATA, start) < 0) break;
      out.add(data);
      data = u64(this.view(data, DATA.payload), DATA.nextFieldOffset);
    }
    return out;
  }

  /** A guard for one chain walk over objects of at least `objectBytes` bytes. */
  private chainGuard(objectBytes: number): ChainGuard {
    return new ChainGuard(Math.ceil(this.bytes.sizeBytes / objectBytes));
  }

  private bucketHead(table: { offset: number; buckets: number }, hash: bigint): number {
    if (table.buckets === 0) return 0;
    const bucket = Number(hash % BigInt(table.buckets));
    // The table is an object; its items start after the object header.
    const item = this.bytes.view(table.offset + bucket * HASH_ITEM_SIZE, 8);
    if (item === undefined) throw this.corrupt('hash table outside the file');
    return u64(item, 0);
  }

  private view(offset: number, length: number): Buffer {
    const b = this.bytes.view(offset, length);
    if (b === undefined) throw this.corrupt(`read past the end at ${offset}+${length}`);
    return b;
  }

  private corrupt(message: string): JournalFileError {
    return new JournalFileError('corrupt', this.path, message);
  }
}

/** The item of a DATA object whose field was not wanted (name '', never read further). */
const UNWANTED: DataItem = { name: '', value: null, payloadBytes: undefined };

/**
 * Where loadData() found a DATA object's value: `valueBytes` bytes at file
 * offset `valueAt`, or from index `valueAt` of `payload` when it was
 * decompressed.
 */
interface LoadedData {
  payload: Buffer | undefined;
  valueAt: number;
  valueBytes: number;
  payloadBytes: number | undefined;
  /** omitted, or nullAtBytes long or longer */
  isNull: boolean;
  /** n_entries > 1: worth caching */
  shared: boolean;
  /** the field's place in the wanted set (-1: no set, or not in it) */
  index: number;
}

export interface ReadDataOptions {
  /**
   * Only these fields: others come back as name '' (entryFields() skips them).
   * An uncompressed DATA object of another field is never decoded.
   */
  wanted?: ReadonlySet<string>;
  /** For a compressed object: its field name when the caller wants it left compressed. */
  omitted?: (offset: number) => string | undefined;
  /** Payloads (`NAME=value`) this long or longer get a null value, as `journalctl -o json` does. */
  nullAtBytes?: number;
}
