// Positional reads of a journal file through a small chunk cache: the files
// are up to 128 MiB and a query touches a few MiB of them, so nothing reads
// the whole file and nothing is mapped.
import { readSync } from 'node:fs';

const CHUNK_BYTES = 128 * 1024;

export class FileBytes {
  readonly sizeBytes: number;
  private readonly fd: number;
  private readonly chunks = new Map<number, Buffer>();

  constructor(fd: number, sizeBytes: number) {
    this.fd = fd;
    this.sizeBytes = sizeBytes;
  }

  /** Set by locate(): the buffer and position holding the bytes asked for. */
  buf: Buffer = Buffer.alloc(0);
  pos = 0;

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
      this.buf = chunk;
      this.pos = offset - start;
      return true;
    }
    const b = this.view(offset, length);
    if (b === undefined) return false;
    this.buf = b;
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
      return chunk.subarray(offset - start, offset - start + length);
    }
    const out = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, out, done, length - done, offset + done);
      if (n === 0) return undefined;
      done += n;
    }
    return out;
  }

  private chunk(index: number): Buffer {
    let chunk = this.chunks.get(index);
    if (chunk !== undefined) return chunk;
    const start = index * CHUNK_BYTES;
    const want = Math.min(CHUNK_BYTES, this.sizeBytes - start);
    chunk = Buffer.allocUnsafe(want);
    let done = 0;
    while (done < want) {
      const n = readSync(this.fd, chunk, done, want - done, start + done);
      if (n === 0) break;
      done += n;
    }
    chunk = chunk.subarray(0, done);
    this.chunks.set(index, chunk);
    return chunk;
  }
}
