// Test helper (not part of the package): writes a tiny journal file by the
// documented layout, so unit tests can build compact and regular files, cut
// them short, flip flags, compress values and build hostile files (loops,
// decompression bombs). Entries hold DATA objects found through a
// one-bucket-per-hash data table keyed by the file ID, as journald lays them out.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { siphash24 } from '../src/journal-file/siphash.js';

export interface TestEntry {
  seqnum: number;
  realtimeUsec: number;
  monotonicUsec: number;
  /** NAME=value payloads: text as UTF-8, or exact bytes */
  fields: (string | Buffer)[];
}

export interface TestFileOptions {
  compact?: boolean;
  /**
   * Store a payload zstd-compressed: return the frame to store, or undefined
   * to keep it as is (sets the object's and the header's ZSTD flags).
   */
  compress?: (payload: Buffer) => Buffer | undefined;
  keyed?: boolean;
  seqnumId?: number;
  bootId?: number;
}

const payloadOf = (field: string | Buffer): Buffer =>
  typeof field === 'string' ? Buffer.from(field) : field;

const align8 = (n: number): number => (n + 7) & ~7;

/** Where the writer put things (file offsets), for tests that patch or extend a file. */
export interface JournalLayout {
  readonly bytes: Buffer;
  readonly entryArrayOffset: number;
  readonly entryOffsets: readonly number[];
  /** DATA object offset by payload (latin1 of its bytes) */
  readonly dataOffsets: ReadonlyMap<string, number>;
  readonly compact: boolean;
}

export function buildJournalFile(
  entries: readonly TestEntry[],
  opts: TestFileOptions = {},
): Buffer {
  return buildJournalLayout(entries, opts).bytes;
}

export function buildJournalLayout(
  entries: readonly TestEntry[],
  opts: TestFileOptions = {},
): JournalLayout {
  const compact = opts.compact ?? true;
  const keyed = opts.keyed ?? true;
  const itemBytes = compact ? 4 : 16;
  const fileId = Buffer.alloc(16, 0x11);
  const chunks: Buffer[] = [];
  let end = 272;
  const put = (b: Buffer): number => {
    const at = end;
    chunks.push(b, Buffer.alloc(align8(b.length) - b.length));
    end += align8(b.length);
    return at;
  };
  const objHeader = (b: Buffer, type: number): void => {
    b[0] = type;
    b.writeBigUInt64LE(BigInt(b.length), 8);
  };
  const buckets = 7;
  const table = Buffer.alloc(16 + buckets * 16);
  objHeader(table, 4);
  const tableAt = put(table);
  const fieldTable = Buffer.alloc(16 + 16);
  objHeader(fieldTable, 5);
  const fieldTableAt = put(fieldTable);

  let anyCompressed = false;
  const dataAt = new Map<string, number>();
  const dataEntries = new Map<string, number[]>();
  const pending: { entry: TestEntry; items: number[] }[] = [];
  for (const entry of entries) {
    const items: number[] = [];
    for (const field of entry.fields) {
      const payload = payloadOf(field);
      const f = payload.toString('latin1'); // one key per distinct byte string
      let at = dataAt.get(f);
      if (at === undefined) {
        const start = compact ? 72 : 64;
        const frame = opts.compress?.(payload);
        const stored = frame ?? payload;
        const d = Buffer.alloc(start + stored.length);
        objHeader(d, 1);
        if (frame !== undefined) {
          d[1] = 4; // OBJECT_COMPRESSED_ZSTD
          anyCompressed = true;
        }
        const hash = siphash24(payload, fileId);
        d.writeBigUInt64LE(hash, 16);
        stored.copy(d, start);
        at = put(d);
        dataAt.set(f, at);
        dataEntries.set(f, []);
        // chain into the bucket (prepend: head offset, next_hash_offset)
        const slot = 16 + Number(hash % BigInt(buckets)) * 16;
        const head = table.readBigUInt64LE(slot);
        d.writeBigUInt64LE(head, 24);
        table.writeBigUInt64LE(BigInt(at), slot);
      }
      items.push(at);
    }
    pending.push({ entry, items });
  }
  const entryOffsets: number[] = [];
  for (const { entry, items } of pending) {
    const e = Buffer.alloc(64 + items.length * itemBytes);
    objHeader(e, 3);
    e.writeBigUInt64LE(BigInt(entry.seqnum), 16);
    e.writeBigUInt64LE(BigInt(entry.realtimeUsec), 24);
    e.writeBigUInt64LE(BigInt(entry.monotonicUsec), 32);
    e.fill(opts.bootId ?? 0xbb, 40, 56);
    e.writeBigUInt64LE(BigInt(entry.seqnum * 7919), 56);
    items.forEach((at, i) => {
      if (compact) e.writeUInt32LE(at, 64 + i * 4);
      else e.writeBigUInt64LE(BigInt(at), 64 + i * 16);
    });
    const at = put(e);
    entryOffsets.push(at);
    entry.fields.forEach((f) => dataEntries.get(payloadOf(f).toString('latin1'))?.push(at));
  }
  const array = (offsets: readonly number[], slots: number): Buffer => {
    const a = Buffer.alloc(24 + slots * (compact ? 4 : 8));
    objHeader(a, 6);
    offsets.forEach((o, i) => {
      if (compact) a.writeUInt32LE(o, 24 + i * 4);
      else a.writeBigUInt64LE(BigInt(o), 24 + i * 8);
    });
    return a;
  };
  // the file's own entry array (one object, with a spare slot)
  const mainArray = put(array(entryOffsets, entryOffsets.length + 1));
  // each DATA object: first entry inline, the rest in one array
  const objects = Buffer.concat(chunks);
  const patch = (fileAt: number, write: (b: Buffer, at: number) => void): void => {
    write(objects, fileAt - 272);
  };
  const extra: Buffer[] = [];
  let tail = end;
  for (const [f, offsets] of dataEntries) {
    const d = dataAt.get(f) ?? 0;
    const [first, ...rest] = offsets;
    patch(d, (b, at) => {
      b.writeBigUInt64LE(BigInt(first ?? 0), at + 40);
      b.writeBigUInt64LE(BigInt(offsets.length), at + 56);
    });
    if (rest.length > 0) {
      const a = array(rest, rest.length);
      patch(d, (b, at) => b.writeBigUInt64LE(BigInt(tail), at + 48));
      extra.push(a, Buffer.alloc(align8(a.length) - a.length));
      tail += align8(a.length);
    }
  }
  const header = Buffer.alloc(272);
  header.write('LPKSHHRH', 0, 'latin1');
  header.writeUInt32LE((keyed ? 4 : 0) | (compact ? 16 : 0) | (anyCompressed ? 8 : 0), 12);
  fileId.copy(header, 24);
  header.fill(opts.seqnumId ?? 0x5e, 72, 88);
  header.writeBigUInt64LE(272n, 88);
  header.writeBigUInt64LE(BigInt(tableAt + 16), 104);
  header.writeBigUInt64LE(BigInt(buckets * 16), 112);
  header.writeBigUInt64LE(BigInt(fieldTableAt + 16), 120);
  header.writeBigUInt64LE(16n, 128);
  header.writeBigUInt64LE(BigInt(entryOffsets.length), 152);
  header.writeBigUInt64LE(BigInt(mainArray), 176);
  return {
    bytes: Buffer.concat([header, objects, ...extra]),
    entryArrayOffset: mainArray,
    entryOffsets,
    dataOffsets: dataAt,
    compact,
  };
}

/** Header offset of entry_array_offset (le64). */
export const HEADER_ENTRY_ARRAY_OFFSET = 176;
/** DATA object offsets of next_hash_offset and entry_array_offset (le64). */
export const DATA_NEXT_HASH_OFFSET = 24;
export const DATA_ENTRY_ARRAY_OFFSET = 48;

/**
 * `file` with ENTRY_ARRAY objects of no item slots appended, each one's next
 * pointing at the one after it and the last back at the first (a loop that
 * adds no entries); returns the bytes and the first array's offset.
 */
export function appendEmptyArrayLoop(file: Buffer, count: number): { bytes: Buffer; at: number } {
  const at = file.length; // the writer's files end 8-byte aligned
  const arrays = Buffer.alloc(24 * count);
  for (let i = 0; i < count; i++) {
    arrays[24 * i] = 6;
    arrays.writeBigUInt64LE(24n, 24 * i + 8);
    arrays.writeBigUInt64LE(BigInt(at + 24 * ((i + 1) % count)), 24 * i + 16);
  }
  return { bytes: Buffer.concat([file, arrays]), at };
}

/**
 * A zstd frame of `contentBytes` bytes that is `prefix` followed by copies of
 * `fill`, made of RLE blocks (4 bytes per 128 KiB): tiny on disk, and its
 * header declares the full content size, as a decompression bomb does.
 */
export function zstdRleFrame(prefix: Buffer, fill: number, contentBytes: number): Buffer {
  const BLOCK = 128 * 1024;
  const parts: Buffer[] = [];
  const head = Buffer.alloc(14);
  head.writeUInt32LE(0xfd2fb528, 0); // magic
  head[4] = 0xc0; // 8-byte content size, window descriptor present, no checksum
  head[5] = 7 << 3; // window 2^(10+7) = 128 KiB
  head.writeBigUInt64LE(BigInt(contentBytes), 6);
  parts.push(head);
  const blockHeader = (size: number, type: number, last: boolean): Buffer => {
    const b = Buffer.alloc(3);
    b.writeUIntLE(size * 8 + type * 2 + (last ? 1 : 0), 0, 3);
    return b;
  };
  let left = contentBytes - prefix.length;
  parts.push(blockHeader(prefix.length, 0, left === 0), prefix); // a raw block
  while (left > 0) {
    const n = Math.min(BLOCK, left);
    left -= n;
    parts.push(blockHeader(n, 1, left === 0), Buffer.from([fill]));
  }
  return Buffer.concat(parts);
}

/** A temp directory for journal files a test writes: `write(bytes)` gives each its own path. */
export function journalFileDir(prefix: string): {
  readonly dir: string;
  readonly write: (bytes: Buffer) => string;
  readonly remove: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let n = 0;
  return {
    dir,
    write: (bytes) => {
      const path = join(dir, `f${String(n++)}.journal`);
      writeFileSync(path, bytes);
      return path;
    },
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
