// Stream stages between the core pipe and the storage sink: the byte limit
// (which flags truncation and remembers the core's first bytes for the ACL
// decision) and the zstd compressor.
import { availableParallelism } from 'node:os';
import type { Transform } from 'node:stream';

import { CompressStream } from 'zstd-napi';

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
 * A pipeline stage passing at most maxBytes (Infinity = all) and stopping the
 * read there, like systemd's copy_bytes(max_size). onProgress sees the running
 * byte count after each chunk.
 */
export function limitBytes(
  maxBytes: number,
  state: LimitState,
  onProgress?: (bytes: number) => void,
): (source: AsyncIterable<Buffer>) => AsyncGenerator<Buffer> {
  return async function* limit(source) {
    if (maxBytes <= 0) {
      state.truncated = true;
      return;
    }
    for await (const chunk of source) {
      const room = maxBytes - state.bytes;
      const out = chunk.length > room ? chunk.subarray(0, room) : chunk;
      if (state.head.length < ELF_HEADER_PEEK_BYTES) {
        state.head = Buffer.concat([
          state.head,
          out.subarray(0, ELF_HEADER_PEEK_BYTES - state.head.length),
        ]);
      }
      state.bytes += out.length;
      onProgress?.(state.bytes);
      yield out;
      if (state.bytes >= maxBytes) {
        state.truncated = true;
        return;
      }
    }
  };
}

export const ZSTD_LEVEL = 3;
/**
 * zstd's multithreaded job size. Its default at level 3 is several MiB per job, and
 * each worker thread holds its input and output buffers: the worker's peak RSS then
 * grows with the core (npm run bench: 137 MiB at 512 MiB touched, 197 MiB random).
 * 1 MiB jobs (zstd's minimum is 512 KiB) kept it under 102 MiB and cut the 512 MiB
 * random-fill crash-to-entry time from ~3 s to ~2 s on two cores (docs/performance.md).
 */
export const ZSTD_JOB_SIZE_BYTES = 1024 * 1024;

/** zstd level 3 with a checksum, one frame, compressed on zstd's own threads. */
export function createCompressor(): Transform {
  const nbWorkers = Math.max(1, Math.min(4, availableParallelism()));
  return new CompressStream({
    compressionLevel: ZSTD_LEVEL,
    checksumFlag: true,
    nbWorkers,
    jobSize: ZSTD_JOB_SIZE_BYTES,
  });
}
