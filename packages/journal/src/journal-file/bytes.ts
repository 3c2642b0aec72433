// Positional reads of a journal file through a small LRU of fixed-size
// chunks: the files are up to 128 MiB and a query walks a few MiB of them
// mostly forward, so nothing reads the whole file, nothing is mapped, and the
// chunk buffers are reused instead of becoming garbage. A view (locate(),
// view()) is valid until the next read: callers copy what they keep.
import { readSync } from 'node:fs';

const CHUNK_BYTES = 128 * 1024;
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
      return true;
    }
    const b = this.read(offset, length);
    if (b === undefined) return false;
    this.buf = b;
    this.words = new Uint32Array(b.buffer, 0, Math.floor(b.length / 4));
    this.pos = 0;
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
    return this.read(offset, length);
  }

  /** A fresh buffer at offset 0 of its own memory (so its words are aligned). */
  private read(offset: number, length: number): Buffer | undefined {
    if (offset < 0 || length < 0 || offset + length > this.sizeBytes) return undefined;
    const out = Buffer.allocUnsafeSlow(length);
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
