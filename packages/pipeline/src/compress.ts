// The zstd transform of the core stream (stream.ts): synchronous, the worker drains
// one pipe into one file and has nothing else to do meanwhile.
import zstd from 'zstd-napi/binding.js';

import type { CoreSink, CoreTransform } from './stream.js';

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
/**
 * ZSTD_c_blockSplitterLevel (an experimental parameter, 1017 in zstd 1.5.7), set to
 * 1: no pre-splitting of blocks. 1.5.7 turns the pre-splitter on at level 3; it took a
 * fifth of zstd's time on a 512 MiB touched core (97 against 124 ms) for the same
 * output there, and the zstd that systemd 252 uses (Debian 12: 1.5.4) has none. A
 * libzstd that does not know it refuses it; the default is kept then.
 */
export const ZSTD_C_BLOCK_SPLITTER_LEVEL = 1017;
const ZSTD_BLOCK_SPLITTER_NONE = 1;
/** One fixed output buffer; zstd hands back at most this much per call. */
const OUT_BUFFER_BYTES = 1024 * 1024;

/**
 * How much warmCompressor() compresses ahead: level 3's window (2 MiB) and
 * tables are all allocated and touched by a frame this long.
 */
const WARM_BYTES = 2 * 1024 * 1024;

interface Context {
  readonly cctx: zstd.CCtx;
  readonly out: Buffer;
}

function newContext(nbWorkers: number): Context {
  const cctx = new zstd.CCtx();
  cctx.setParameter(zstd.CParameter.compressionLevel, ZSTD_LEVEL);
  cctx.setParameter(zstd.CParameter.checksumFlag, 1);
  try {
    cctx.setParameter(ZSTD_C_BLOCK_SPLITTER_LEVEL, ZSTD_BLOCK_SPLITTER_NONE);
  } catch {
    // an older libzstd: its default
  }
  if (nbWorkers > 0) {
    cctx.setParameter(zstd.CParameter.nbWorkers, nbWorkers);
    cctx.setParameter(zstd.CParameter.jobSize, ZSTD_JOB_SIZE_BYTES);
  }
  return { cctx, out: Buffer.allocUnsafe(OUT_BUFFER_BYTES) };
}

/** A context warmCompressor() made, for the next createCompressor() (nbWorkers 0) only. */
let warm: Context | undefined;

/**
 * For a worker that waits for its crash (socket mode): set up the context the
 * next createCompressor() takes, and run one throw-away frame through it, so
 * that the crash pays neither zstd's allocation nor the first touch of its
 * window and tables (7-10 ms of a 1.5 MiB core's 8-11 ms, measured cold
 * against warm). The context keeps its parameters and memory across the reset.
 */
export function warmCompressor(): void {
  if (warm !== undefined) return;
  const ctx = newContext(0);
  const sink: WriteOutput = () => undefined;
  const frame = compressorOn(ctx);
  frame.push(Buffer.alloc(WARM_BYTES), sink);
  frame.end(sink);
  ctx.cctx.reset(zstd.ResetDirective.sessionOnly);
  warm = ctx;
}

/** Receives each piece of compressed output; the buffer is reused after it returns. */
export type WriteOutput = CoreSink;

/** push: compress all of src (zstd may keep some buffered); end: end the frame, flush. */
export type Compressor = CoreTransform;

/**
 * zstd level 3 with a checksum, one frame, through the low-level streaming API
 * (ZSTD_compressStream2) with one fixed output buffer. With nbWorkers 0 (the
 * default) push() compresses in the caller while the kernel goes on filling the
 * core pipe; with nbWorkers >= 1 it hands the input to zstd's own threads and
 * returns, so the caller reads the next chunk while the last one compresses.
 */
export function createCompressor(nbWorkers = ZSTD_WORKERS): Compressor {
  const ready = nbWorkers === 0 ? warm : undefined;
  if (ready !== undefined) warm = undefined;
  return compressorOn(ready ?? newContext(nbWorkers));
}

function compressorOn({ cctx, out }: Context): Compressor {
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
