// The core stream, as stages in one synchronous loop (spec §5.4): reader -> byte limit
// -> observers (every chunk within the limit, in order) -> optional transform (zstd)
// -> one sink (a file in the storage directory, a memfd for Storage=journal, or
// count-only for Storage=none).
//
// Synchronous, into one reused buffer: the worker has nothing else to do while the
// core streams, and the async stream pipeline it replaced allocated a buffer per chunk
// and ran 1.7-2.6x the `dd` floor (docs/performance.md).
import { fstatSync, readSync } from 'node:fs';

import { CoredumpError } from '@coredump-ts/protocol';
import { recvFill, setNonBlocking } from '@coredump-ts/unix';

/** The one read buffer (1 MiB: see "What was tried" in docs/performance.md). */
export const READ_BUFFER_BYTES = 1024 * 1024;

/** A read buffer warmReadBuffer() made, for the next streamCore() only. */
let spare: Buffer | undefined;

/**
 * For a worker that waits for its crash (socket mode): allocate and touch the
 * next streamCore()'s read buffer now, so the crash's first reads do not page
 * a fresh 1 MiB in (~5 ms of a 1 MiB crash's worker, profiled).
 */
export function warmReadBuffer(): void {
  spare ??= Buffer.alloc(READ_BUFFER_BYTES); // zero-filled: every page touched
}

function takeSpare(size: number): Buffer | undefined {
  const buf = spare;
  if (buf === undefined || buf.length < size) return undefined;
  spare = undefined;
  return buf.subarray(0, size);
}

export interface CoreObserver {
  /** Every chunk within the byte limit, in order; offset = core bytes before this chunk. The chunk is only valid during the call (the read buffer is reused). */
  observe(chunk: Buffer, offset: number): void;
  /** Once, after the last chunk. */
  end(info: { readonly bytes: number; readonly truncated: boolean }): void;
}

/** Where the (transformed) bytes go; a piece is only valid during the call. */
export type CoreSink = (bytes: Buffer) => void;

/** A stage between the observers and the sink, such as the zstd compressor. */
export interface CoreTransform {
  push(src: Buffer, write: CoreSink): void;
  /** After the last chunk: flush everything. */
  end(write: CoreSink): void;
}

export interface StreamResult {
  /** Uncompressed bytes within the limit. */
  readonly bytes: number;
  /** The limit was reached (set even when the core was exactly that size: no look-ahead). */
  readonly truncated: boolean;
}

export interface StreamStages {
  /** The byte limit, like systemd's copy_bytes(max_size); Infinity = all. */
  readonly maxBytes: number;
  /**
   * The core's first bytes, already read from fd by the caller (socket mode reads
   * the notes for the signal): they go through the stages first, then fd is read.
   */
  readonly head?: Buffer | undefined;
  readonly observers: readonly CoreObserver[];
  readonly transform?: CoreTransform | undefined;
  readonly sink: CoreSink;
}

/** Sink for Storage=none: the bytes are only counted (by the stream itself). */
export const countOnlySink: CoreSink = () => undefined;

/**
 * Read the core fd to EOF or to maxBytes, whichever comes first, through one reused
 * buffer, each chunk through the stages before the next read. Forward-only: pipes,
 * sockets and files. Stops at the limit without reading further (no look-ahead).
 */
export function streamCore(fd: number, stages: StreamStages): StreamResult {
  const { maxBytes, observers, transform, sink } = stages;
  let bytes = 0;
  let truncated = maxBytes <= 0;
  /** One chunk through the stages; true once the limit is reached. */
  const pass = (chunk: Buffer): boolean => {
    for (const o of observers) o.observe(chunk, bytes);
    if (transform === undefined) sink(chunk);
    else transform.push(chunk, sink);
    bytes += chunk.length;
    return bytes >= maxBytes;
  };
  if (!truncated && stages.head !== undefined && stages.head.length > 0) {
    truncated = pass(stages.head.subarray(0, Math.min(stages.head.length, maxBytes)));
  }
  if (!truncated) {
    try {
      setNonBlocking(fd, false); // a sender may have passed an O_NONBLOCK pipe
    } catch {
      // not something fcntl can change; a read will say if it matters
    }
    const size = Math.min(READ_BUFFER_BYTES, maxBytes);
    const buf = takeSpare(size) ?? Buffer.allocUnsafe(size);
    // The kernel's coredump connection: a read returns what is queued (~130 KiB,
    // a socket buffer per page); recv(MSG_WAITALL) fills the buffer, so each pass
    // through the stages is 1 MiB, as from a pipe.
    const socket = fstatSync(fd).isSocket();
    while (!truncated) {
      let n: number;
      try {
        const want = Math.min(buf.length, maxBytes - bytes);
        n = socket ? recvFill(fd, buf.subarray(0, want)) : readSync(fd, buf, 0, want, null);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EINTR') continue;
        throw new CoredumpError('ERR_CORE_READ', 'Failed to read the core', { cause: error });
      }
      if (n === 0) break;
      truncated = pass(buf.subarray(0, n));
    }
  }
  transform?.end(sink);
  const info = { bytes, truncated };
  for (const o of observers) o.end(info);
  return info;
}

/** Keeps the core's first `size` bytes (the ELF identification peek of access.ts). */
export class HeadObserver implements CoreObserver {
  private parts: Buffer[] = [];
  private have = 0;
  constructor(private readonly size: number) {}
  observe(chunk: Buffer, offset: number): void {
    if (offset >= this.size) return;
    const piece = chunk.subarray(0, this.size - offset);
    this.parts.push(Buffer.from(piece)); // copied: the read buffer is reused
    this.have += piece.length;
  }
  end(): void {
    // nothing to flush
  }
  /** The first min(size, core length) bytes. */
  get head(): Buffer {
    if (this.parts.length !== 1) this.parts = [Buffer.concat(this.parts, this.have)];
    return this.parts[0] ?? Buffer.alloc(0);
  }
}

/** Reports the running byte count after each chunk (sd_notify progress). */
export const progressObserver = (onProgress: (bytes: number) => void): CoreObserver => ({
  observe(chunk, offset) {
    onProgress(offset + chunk.length);
  },
  end() {
    // the entry reports the end
  },
});
