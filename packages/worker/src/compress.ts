// The stages between the core pipe and the storage sink: the byte limit (which
// flags truncation and remembers the core's first bytes for the ACL decision)
// and the zstd compressor. Both are synchronous: the worker drains one pipe
// into one file and has nothing else to do meanwhile (store.ts drives them).
import zstd from 'zstd-napi/binding.js';

import { ELF_HEADER_PEEK_BYTES } from './access.js';

export interface LimitState {
  /** Uncompressed bytes passed on so far. */
  bytes: number;
  /** The limit was reached (set even when the core was exactly that size: no look-ahead). */
  truncated: boolean;
  /** The first ELF_HEADER_PEEK_BYTES bytes of the core (fewer for a shorter core). */
  head: Buffer;
}

export const newLimitState = (): LimitState => ({
  bytes: 0,
  truncated: false,
  head: Buffer.alloc(0),
});

/**
 * Pass chunk through a limit of maxBytes (Infinity = all), like systemd's
 * copy_bytes(max_size): returns the part within the limit (a view, never a
 * copy) and updates state. Once state.truncated is set the caller stops reading.
 */
export function takeWithinLimit(maxBytes: number, state: LimitState, chunk: Buffer): Buffer {
  if (state.bytes >= maxBytes) {
    state.truncated = true;
    return chunk.subarray(0, 0);
  }
  const room = maxBytes - state.bytes;
  const out = chunk.length > room ? chunk.subarray(0, room) : chunk;
  if (state.head.length < ELF_HEADER_PEEK_BYTES) {
    state.head = Buffer.concat([
      state.head,
      out.subarray(0, ELF_HEADER_PEEK_BYTES - state.head.length),
    ]);
  }
  state.bytes += out.length;
  if (state.bytes >= maxBytes) state.truncated = true;
  return out;
}

export const ZSTD_LEVEL = 3;
/**
 * zstd's multithreaded job size, used only when nbWorkers > 0. Its default at level 3
 * is several MiB per job, held per worker thread; 1 MiB (zstd's minimum is 512 KiB)
 * kept the RSS down when the worker ran zstd on a thread (docs/performance.md).
 */
export const ZSTD_JOB_SIZE_BYTES = 1024 * 1024;
/**
 * zstd threads: none. On mostly-zero cores zstd level 3 runs at ~4 GB/s on one
 * core, and handing it 1 MiB jobs on a thread cost more than it overlapped: a
 * 512 MiB touched core took 362-391 ms to its entry inline against 458-514 ms with
 * one thread, 2 GiB 1.07-1.39 s against 1.65-1.82 s, and the worker's peak RSS
 * stays 54-56 MiB at every size. Only a 2 GiB random core was faster on a thread
 * (4.2-4.4 s against 5.2-5.5 s; systemd takes 10-14 s). docs/performance.md.
 */
export const ZSTD_WORKERS = 0;
/** One fixed output buffer; zstd hands back at most this much per call. */
const OUT_BUFFER_BYTES = 1024 * 1024;

/** Receives each piece of compressed output; the buffer is reused after it returns. */
export type WriteOutput = (bytes: Buffer) => void;

export interface Compressor {
  /** Compress all of src (zstd may keep some of it buffered until end). */
  push(src: Buffer, write: WriteOutput): void;
  /** End the frame and flush everything. */
  end(write: WriteOutput): void;
}

/**
 * zstd level 3 with a checksum, one frame, through the low-level streaming API
 * (ZSTD_compressStream2) with one fixed output buffer. With nbWorkers 0 (the
 * default) push() compresses in the caller while the kernel goes on filling the
 * core pipe; with nbWorkers >= 1 it hands the input to zstd's own threads and
 * returns, so the caller reads the next chunk while the last one compresses.
 */
export function createCompressor(nbWorkers = ZSTD_WORKERS): Compressor {
  const cctx = new zstd.CCtx();
  cctx.setParameter(zstd.CParameter.compressionLevel, ZSTD_LEVEL);
  cctx.setParameter(zstd.CParameter.checksumFlag, 1);
  if (nbWorkers > 0) {
    cctx.setParameter(zstd.CParameter.nbWorkers, nbWorkers);
    cctx.setParameter(zstd.CParameter.jobSize, ZSTD_JOB_SIZE_BYTES);
  }
  const out = Buffer.allocUnsafe(OUT_BUFFER_BYTES);
  return {
    push(src, write) {
      let rest = src;
      while (rest.length > 0) {
        const [, produced, consumed] = cctx.compressStream2(out, rest, zstd.EndDirective.continue);
        if (produced > 0) write(out.subarray(0, produced));
        rest = rest.subarray(consumed);
      }
    },
    end(write) {
      const empty = out.subarray(0, 0);
      for (;;) {
        const [remaining, produced] = cctx.compressStream2(out, empty, zstd.EndDirective.end);
        if (produced > 0) write(out.subarray(0, produced));
        if (remaining === 0) return;
      }
    },
  };
}
