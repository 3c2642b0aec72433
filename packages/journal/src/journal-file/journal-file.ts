// One journal file opened read-only: header, object validation, the data hash
// table, entry arrays (the file's own and each DATA object's) and entries.
// A file written by a live journald may end in objects not written yet: a
// walk stops at the first object that does not validate instead of failing.
import { closeSync, fstatSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import { FileBytes } from './bytes.js';
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

type Decompress = (data: Uint8Array) => Buffer;
let zstdDecompress: Decompress | undefined;

function loadZstd(): Decompress {
  // Loaded on first use only: most queries never meet a compressed value they need.
  zstdDecompress ??= (createRequire(import.meta.url)('zstd-napi') as { decompress: Decompress })
    .decompress;
  return zstdDecompress;
}

const u64 = (b: Buffer, at: number): number =>
  b.readUInt32LE(at + 4) * 0x1_0000_0000 + b.readUInt32LE(at);

/** A little-endian u64 at word-aligned byte position `at` (offsets and times fit in 2^53). */
function word64(words: Uint32Array, at: number): number {
  const i = at >>> 2;
  return (words[i + 1] ?? 0) * 0x1_0000_0000 + (words[i] ?? 0);
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
  private readonly dataCache = new Map<number, DataItem>();
  /**
   * One bit per 8-byte slot: DATA objects of fields not wanted. Most objects
   * an entry points to are such; a bitset keeps them out of the Map (and the GC).
   */
  private unwantedBits: Uint8Array | undefined;
  private cachedFor: ReadDataOptions = {};

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

  /** The object at `offset` if it validates as `type` of at least `minSize` bytes. */
  private object(
    offset: number,
    type: number,
    minSize: number,
  ): { flags: number; size: number } | undefined {
    if (offset % 8 !== 0 || offset < this.headerSize) return undefined;
    const b = this.bytes;
    if (!b.locate(offset, OBJECT_HEADER_SIZE) || b.buf[b.pos] !== type) return undefined;
    const size = word64(b.words, b.pos + 8);
    if (size < minSize || offset + size > b.sizeBytes) return undefined;
    return { flags: b.buf[b.pos + 1] ?? 0, size };
  }

  /** Offsets of every entry in file order (the header's entry array chain). */
  allEntryOffsets(): number[] {
    return this.walkArrays(this.entryArrayOffset, this.nEntries, []);
  }

  /** Offsets of the entries holding the DATA object at `dataOffset`, in file order. */
  dataEntryOffsets(dataOffset: number): number[] {
    const o = this.object(dataOffset, OBJECT_DATA, this.dataPayloadStart());
    if (o === undefined) throw this.corrupt(`bad DATA object at ${dataOffset}`);
    const h = this.view(dataOffset, DATA.payload);
    const n = u64(h, DATA.nEntries);
    const first = u64(h, DATA.entryOffset);
    if (n === 0 || first === 0) return [];
    return this.walkArrays(u64(h, DATA.entryArrayOffset), n - 1, [first]);
  }

  private walkArrays(arrayOffset: number, count: number, out: number[]): number[] {
    let next = arrayOffset;
    let left = count;
    while (left > 0 && next !== 0) {
      const o = this.object(next, OBJECT_ENTRY_ARRAY, ENTRY_ARRAY.items);
      if (o === undefined) break; // torn tail of a live file
      const b = this.bytes;
      if (!b.locate(next, o.size)) break;
      const words = b.words;
      const base = b.pos;
      // Entry array items are le32 in compact files, le64 otherwise (no hash, unlike entry items).
      const itemBytes = this.compact ? 4 : 8;
      const slots = Math.floor((o.size - ENTRY_ARRAY.items) / itemBytes);
      for (let i = 0; i < slots && left > 0; i++, left--) {
        const at = base + ENTRY_ARRAY.items + i * itemBytes;
        const entry = this.compact ? (words[at >>> 2] ?? 0) : word64(words, at);
        if (entry === 0) return out;
        out.push(entry);
      }
      next = word64(words, base + ENTRY_ARRAY.next);
    }
    return out;
  }

  /** The entry's ordering fields, or undefined when it does not validate (torn tail). */
  entryHead(offset: number): EntryHead | undefined {
    if (this.object(offset, OBJECT_ENTRY, ENTRY.items) === undefined) return undefined;
    const bytes = this.bytes;
    if (!bytes.locate(offset, ENTRY.items)) return undefined;
    const b = bytes.buf;
    const w = bytes.words;
    const p = bytes.pos;
    return {
      file: this,
      offset,
      seqnum: word64(w, p + ENTRY.seqnum),
      realtimeUsec: word64(w, p + ENTRY.realtime),
      monotonicUsec: word64(w, p + ENTRY.monotonic),
      bootId: b.toString('latin1', p + ENTRY.bootId, p + ENTRY.bootId + 16),
      xorHashHigh: w[(p + ENTRY.xorHash + 4) >>> 2] ?? 0,
      xorHashLow: w[(p + ENTRY.xorHash) >>> 2] ?? 0,
    };
  }

  /** Offsets of the DATA objects of an entry, in item order. */
  entryItems(offset: number): number[] {
    const o = this.object(offset, OBJECT_ENTRY, ENTRY.items);
    if (o === undefined) throw this.corrupt(`bad ENTRY object at ${offset}`);
    const bytes = this.bytes;
    if (!bytes.locate(offset, o.size)) throw this.corrupt(`bad ENTRY object at ${offset}`);
    const w = bytes.words;
    const n = Math.floor((o.size - ENTRY.items) / this.itemBytes);
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const at = bytes.pos + ENTRY.items + i * this.itemBytes;
      out[i] = this.compact ? (w[at >>> 2] ?? 0) : word64(w, at);
    }
    return out;
  }

  /**
   * The DATA items of an entry, in item order, without those of fields not
   * wanted (the hot loop of a listing: an already classified unwanted object
   * costs one bit test).
   */
  entryData(offset: number, opts: ReadDataOptions = {}): DataItem[] {
    const o = this.object(offset, OBJECT_ENTRY, ENTRY.items);
    if (o === undefined) throw this.corrupt(`bad ENTRY object at ${offset}`);
    const bytes = this.bytes;
    if (!bytes.locate(offset, o.size)) throw this.corrupt(`bad ENTRY object at ${offset}`);
    const n = Math.floor((o.size - ENTRY.items) / this.itemBytes);
    const items: number[] = [];
    {
      const w = bytes.words;
      for (let i = 0; i < n; i++) {
        const at = bytes.pos + ENTRY.items + i * this.itemBytes;
        const data = this.compact ? (w[at >>> 2] ?? 0) : word64(w, at);
        const bits = this.unwantedBits;
        const slot = data >>> 3;
        if (
          bits !== undefined &&
          opts.wanted === this.cachedFor.wanted &&
          ((bits[slot >>> 3] ?? 0) & (1 << (slot & 7))) !== 0
        )
          continue;
        items.push(data);
      }
    }
    // readData() moves the window: the item offsets were copied out first.
    const out: DataItem[] = [];
    for (const data of items) {
      const item = this.readData(data, opts);
      if (item !== UNWANTED) out.push(item);
    }
    return out;
  }

  private dataPayloadStart(): number {
    return this.compact ? DATA.payloadCompact : DATA.payload;
  }

  /**
   * The DATA object at `offset`. `omitted(offset)` says a compressed object
   * belongs to a field the caller does not want loaded (checked before
   * decompressing); values of `nullAtBytes` or more payload bytes are null.
   */
  readData(offset: number, opts: ReadDataOptions = {}): DataItem {
    if (
      opts.wanted !== this.cachedFor.wanted ||
      opts.omitted !== this.cachedFor.omitted ||
      opts.nullAtBytes !== this.cachedFor.nullAtBytes
    ) {
      // The caches hold answers for one set of options.
      this.dataCache.clear();
      this.unwantedBits = undefined;
      this.cachedFor = opts;
    }
    if (this.isUnwanted(offset)) return UNWANTED;
    const cached = this.dataCache.get(offset);
    if (cached !== undefined) return cached;
    const start = this.dataPayloadStart();
    const o = this.object(offset, OBJECT_DATA, start);
    if (o === undefined) throw this.corrupt(`bad DATA object at ${offset}`);
    const compression = o.flags & OBJECT_COMPRESSED_MASK;
    const storedBytes = o.size - start;
    let item: DataItem;
    if (compression === 0) {
      const b = this.bytes;
      if (!b.locate(offset + start, Math.min(storedBytes, 256)))
        throw this.corrupt(`bad DATA object at ${offset}`);
      const end = b.pos + Math.min(storedBytes, 256);
      const found = b.buf.indexOf(0x3d, b.pos);
      const eq = found < 0 || found >= end ? -1 : found - b.pos;
      if (eq <= 0) throw this.corrupt(`DATA object at ${offset} without '='`);
      let name: string | undefined;
      if (opts.wanted === undefined) name = b.buf.toString('latin1', b.pos, b.pos + eq);
      else {
        // Compared as bytes: most DATA objects are not wanted, and their names never become strings.
        for (const [text, bytes] of wantedNames(opts.wanted)[eq] ?? []) {
          let i = 0;
          while (i < eq && b.buf[b.pos + i] === bytes[i]) i++;
          if (i === eq) {
            name = text;
            break;
          }
        }
        if (name === undefined) {
          this.markUnwanted(offset);
          return UNWANTED;
        }
      }
      const load = opts.nullAtBytes === undefined || storedBytes < opts.nullAtBytes;
      item = {
        name,
        value: load ? this.value(offset + start + eq + 1, storedBytes - eq - 1) : null,
        payloadBytes: storedBytes,
      };
    } else {
      const omittedName = opts.omitted?.(offset);
      if (omittedName !== undefined) {
        item = { name: omittedName, value: null, payloadBytes: undefined };
      } else {
        const payload = this.decompress(
          offset,
          compression,
          this.view(offset + start, storedBytes),
        );
        const eq = payload.indexOf(0x3d);
        if (eq <= 0) throw this.corrupt(`DATA object at ${offset} without '='`);
        const tooBig = opts.nullAtBytes !== undefined && payload.length >= opts.nullAtBytes;
        const name = payload.toString('latin1', 0, eq);
        if (opts.wanted !== undefined && !opts.wanted.has(name)) {
          this.markUnwanted(offset);
          return UNWANTED;
        }
        item = {
          name,
          value: tooBig ? null : payload.subarray(eq + 1),
          payloadBytes: payload.length,
        };
      }
    }
    this.dataCache.set(offset, item);
    return item;
  }

  private isUnwanted(offset: number): boolean {
    const slot = offset >>> 3;
    return (
      this.unwantedBits !== undefined &&
      ((this.unwantedBits[slot >>> 3] ?? 0) & (1 << (slot & 7))) !== 0
    );
  }

  private markUnwanted(offset: number): void {
    if (this.bytes.sizeBytes > 0xffff_ffff) return; // the bitset indexes with 32-bit shifts
    this.unwantedBits ??= new Uint8Array(Math.ceil(this.bytes.sizeBytes / 64));
    const slot = offset >>> 3;
    this.unwantedBits[slot >>> 3] = (this.unwantedBits[slot >>> 3] ?? 0) | (1 << (slot & 7));
  }

  private decompress(offset: number, compression: number, data: Buffer): Buffer {
    if (compression !== OBJECT_COMPRESSED_ZSTD)
      throw new JournalFileError(
        'unsupported',
        this.path,
        `DATA object at ${offset}: xz/lz4 compression`,
      );
    try {
      return loadZstd()(data);
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
    for (let hops = 0; at !== 0 && hops < 1_000_000; hops++) {
      const o = this.object(at, OBJECT_DATA, start);
      if (o === undefined) return undefined;
      const h = this.view(at, DATA.payload);
      const next = u64(h, DATA.nextHashOffset);
      if (h.readBigUInt64LE(DATA.hash) === hash) {
        const compression = o.flags & OBJECT_COMPRESSED_MASK;
        const stored = this.view(at + start, o.size - start);
        const bytes = compression === 0 ? stored : this.decompress(at, compression, stored);
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
    for (let hops = 0; at !== 0 && hops < 1_000_000; hops++) {
      const o = this.object(at, OBJECT_FIELD, FIELD.payload);
      if (o === undefined) return out;
      const b = this.view(at, o.size);
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
      if (this.object(data, OBJECT_DATA, start) === undefined) break;
      out.add(data);
      data = u64(this.view(data, DATA.payload), DATA.nextFieldOffset);
    }
    return out;
  }

  private bucketHead(table: { offset: number; buckets: number }, hash: bigint): number {
    if (table.buckets === 0) return 0;
    const bucket = Number(hash % BigInt(table.buckets));
    // The table is an object; its items start after the object header.
    const item = this.bytes.view(table.offset + bucket * HASH_ITEM_SIZE, 8);
    if (item === undefined) throw this.corrupt('hash table outside the file');
    return u64(item, 0);
  }

  /** A value's bytes, copied: chunk buffers are reused. */
  private value(offset: number, length: number): Buffer {
    return Buffer.from(this.view(offset, length));
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

/** Wanted names as bytes, by length. */
type NamesByLength = ([string, Buffer][] | undefined)[];
const wantedCache = new WeakMap<ReadonlySet<string>, NamesByLength>();
function wantedNames(wanted: ReadonlySet<string>): NamesByLength {
  let names = wantedCache.get(wanted);
  if (names === undefined) {
    names = [];
    for (const n of wanted) {
      const bytes = Buffer.from(n, 'latin1');
      (names[bytes.length] ??= []).push([n, bytes]);
    }
    wantedCache.set(wanted, names);
  }
  return names;
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
