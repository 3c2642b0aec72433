// Positional reads of a journal file through a small LRU of fixed-size
// chunks: the files are up to 128 MiB and a query walks a few MiB of them
// mostly forward, so nothing reads the whole file, nothing is mapped, and the
// chunk buffers are reused instead of becoming garbage. A view (locate(),
// view()) is valid until the next read: callers copy what they keep.
import { readSync } from 'node:fs';

// 16 KiB: a query mixes runs of neighbouring objects (an entry and its new
// DATA objects, an entry array) with hops across the file (hash table
// lookups, entries of other files' order). Larger chunks read and copy more
// than is used on each hop (128 KiB: ~20 MiB read for 5,000 entries over 15
// files, ~25 ms more per query); smaller ones cost more reads on the runs.
const CHUNK_BYTES = 16 * 1024;
/** 512 KiB per file at the most */
const CHUNKS_MAX = 32;

interface Chunk {
  buf: Buffer;
  /** the same memory as 32-bit words (objects are 8-byte aligned, so every field is word-aligned) */
  words: Uint32Array;
  /** bytes read (less than CHUNK_BYTES only at the end of the file) */
  length: number;
}

export class FileBytes {
  readonly sizeBytes: number;
  private readonly fd: number;
  /** index -> chunk, least recently used first */
  private readonly chunks = new Map<number, Chunk>();
  /** the chunk used last (most reads hit it: no LRU bookkeeping then) */
  private lastIndex = -1;
  private last: Chunk | undefined;

  /** Set by locate(): the buffer and position holding the bytes asked for. */
  buf: Buffer = Buffer.alloc(0);
  words: Uint32Array = new Uint32Array(0);
  pos = 0;
  /**
   * The file offsets `buf` holds: [winStart, winEnd). A locate() inside
   * them is a subtraction (most are: an entry, then its items and objects).
   */
  private winStart = 0;
  private winEnd = 0;
  /** Bytes that straddle chunks, copied here (reused; grows to the longest span asked for). */
  private span: Buffer = Buffer.alloc(0);
  private spanWords: Uint32Array = new Uint32Array(0);

  constructor(fd: number, sizeBytes: number) {
    this.fd = fd;
    this.sizeBytes = sizeBytes;
  }

  /**
   * Make `length` bytes at `offset` readable as `this.buf[this.pos...]`
   * without allocating a view (the hot path: object headers, items).
   * False past EOF.
   */
  locate(offset: number, length: number): boolean {
    if (offset >= this.winStart && offset + length <= this.winEnd) {
      this.pos = offset - this.winStart;
      return true;
    }
    const index = Math.floor(offset / CHUNK_BYTES);
    const start = index * CHUNK_BYTES;
    if (
      offset >= 0 &&
      offset + length <= start + CHUNK_BYTES &&
      offset + length <= this.sizeBytes
    ) {
      const chunk = this.chunk(index);
      if (offset - start + length > chunk.length) return false;
      this.buf = chunk.buf;
      this.words = chunk.words;
      this.pos = offset - start;
      this.winStart = start;
      this.winEnd = start + chunk.length;
      return true;
    }
    const b = this.spanAt(offset, length);
    if (b === undefined) return false;
    this.buf = b;
    this.words = this.spanWords;
    this.pos = 0;
    this.winStart = offset;
    this.winEnd = offset + length;
    return true;
  }

  /** `length` bytes at `offset` (a view into the cache when it fits one chunk); undefined past EOF. */
  view(offset: number, length: number): Buffer | undefined {
    if (offset < 0 || length < 0 || offset + length > this.sizeBytes) return undefined;
    const index = Math.floor(offset / CHUNK_BYTES);
    const start = index * CHUNK_BYTES;
    if (offset + length <= start + CHUNK_BYTES) {
      const chunk = this.chunk(index);
      if (offset - start + length > chunk.length) return undefined;
      return chunk.buf.subarray(offset - start, offset - start + length);
    }
    return this.spanAt(offset, length)?.subarray(0, length);
  }

  /** `length` bytes at `offset` decoded as UTF-8, without a view or copy; undefined past EOF. */
  utf8(offset: number, length: number): string | undefined {
    if (!this.locate(offset, length)) return undefined;
    return this.buf.toString('utf8', this.pos, this.pos + length);
  }

  /**
   * `length` bytes at `offset` across chunks, copied to the start of the span
   * buffer (its words are then aligned): from the two chunks it straddles
   * (a sequential walk needs the next one anyway), else read. Valid until the
   * next span, like any view. Undefined past EOF.
   */
  private spanAt(offset: number, length: number): Buffer | undefined {
    if (offset < 0 || length < 0 || offset + length > this.sizeBytes) return undefined;
    if (this.span.length < length) {
      // Invalidate a window on the old span buffer before replacing it.
      if (this.buf === this.span) this.winEnd = 0;
      this.span = Buffer.allocUnsafeSlow(Math.ceil(length / 4096) * 4096);
      this.spanWords = new Uint32Array(this.span.buffer, 0, this.span.length / 4);
    }
    if (this.buf === this.span) this.winEnd = 0;
    const out = this.span;
    const index = Math.floor(offset / CHUNK_BYTES);
    const start = index * CHUNK_BYTES;
    if (offset + length <= start + 2 * CHUNK_BYTES) {
      const first = this.chunk(index);
      const head = start + CHUNK_BYTES - offset;
      if (first.length < CHUNK_BYTES) return undefined;
      first.buf.copy(out, 0, offset - start, CHUNK_BYTES);
      const second = this.chunk(index + 1);
      if (second.length < length - head) return undefined;
      second.buf.copy(out, head, 0, length - head);
      return out;
    }
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, out, done, length - done, offset + done);
      if (n === 0) return undefined;
      done += n;
    }
    return out;
  }

  private chunk(index: number): Chunk {
    if (index === this.lastIndex && this.last !== undefined) return this.last;
    let chunk = this.chunks.get(index);
    if (chunk !== undefined) {
      this.lastIndex = index;
      this.last = chunk;
      // most recently used goes last
      this.chunks.delete(index);
      this.chunks.set(index, chunk);
      return chunk;
    }
    if (this.chunks.size >= CHUNKS_MAX) {
      const oldest = this.chunks.entries().next();
      if (oldest.done !== true) {
        this.chunks.delete(oldest.value[0]);
        chunk = oldest.value[1];
        // Its buffer is about to hold other bytes: no longer a window.
        if (chunk.buf === this.buf) this.winEnd = 0;
      }
    }
    if (chunk === undefined) {
      const buf = Buffer.allocUnsafeSlow(CHUNK_BYTES);
      chunk = {
        buf,
        words: new Uint32Array(buf.buffer, buf.byteOffset, CHUNK_BYTES / 4),
        length: 0,
      };
    }
    const start = index * CHUNK_BYTES;
    const want = Math.min(CHUNK_BYTES, this.sizeBytes - start);
    let done = 0;
    while (done < want) {
      const n = readSync(this.fd, chunk.buf, done, want - done, start + done);
      if (n === 0) break;
      done += n;
    }
    chunk.length = done;
    this.chunks.set(index, chunk);
    this.lastIndex = index;
    this.last = chunk;
    return chunk;
  }
}
