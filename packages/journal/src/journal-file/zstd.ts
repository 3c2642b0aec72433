// Bounded zstd decompression of DATA payloads. A DATA object's frame says how
// large its content is, and a whole-buffer decompress trusts that: 132 KB of
// RLE blocks claim 4 GiB and get it allocated. Here the frame is streamed into
// a buffer that never grows past the caller's cap, so memory is the cap plus
// the decoder's window (zstd refuses windows above 2^27 by default).
import { createRequire } from 'node:module';
import type { DCtx as DCtxType } from 'zstd-napi/binding.js';

interface Binding {
  DCtx: new () => DCtxType;
  ResetDirective: { sessionOnly: number };
}

let binding: Binding | undefined;
let dctx: DCtxType | undefined;

function context(): DCtxType {
  // Loaded on first use only: most queries never meet a compressed value they need.
  binding ??= createRequire(import.meta.url)('zstd-napi/binding') as Binding;
  dctx ??= new binding.DCtx();
  return dctx;
}

/** The output buffer starts this small and doubles up to the cap. */
const FIRST_OUTPUT_BYTES = 16 * 1024;

/**
 * Decompress `src` (one or more zstd frames), producing at most `maxBytes`
 * bytes: a result of exactly `maxBytes` means the content is at least that
 * long (the rest is never decoded). Throws on a malformed or truncated frame.
 */
export function zstdDecompressCapped(src: Uint8Array, maxBytes: number): Buffer {
  const d = context();
  d.reset(binding?.ResetDirective.sessionOnly ?? 1);
  let out = Buffer.allocUnsafe(Math.min(maxBytes, FIRST_OUTPUT_BYTES));
  let written = 0;
  let read = 0;
  while (written < maxBytes) {
    if (written === out.length) {
      const bigger = Buffer.allocUnsafe(Math.min(maxBytes, out.length * 2));
      out.copy(bigger, 0, 0, written);
      out = bigger;
    }
    const [left, produced, consumed] = d.decompressStream(
      out.subarray(written),
      src.subarray(read),
    );
    written += produced;
    read += consumed;
    if (left === 0 && read === src.length) break; // the last frame is done
    if (produced === 0 && consumed === 0) throw new Error('truncated zstd frame');
  }
  return out.subarray(0, written);
}
