// Storage=journal and Storage=none capture. Storage=journal needs the raw core
// for COREDUMP=, but the uncompressed core never goes to disk and must not be
// held in the JS heap: it is teed chunk by chunk into a memfd (kernel memory,
// the same memory journald's memfd path uses) up to JournalSizeMax=, and the
// journal writer copies it from there. Past the limit the rest is only counted.
import { closeSync, write } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';

import { CoredumpError } from '@coredump-ts/protocol';
import { memfdCreate } from '@coredump-ts/unix';

import { limitBytes, newLimitState, type LimitState } from './compress.js';
import { readCore } from './store.js';

const writeAsync = promisify(write);

export interface MemfdCore {
  readonly limit: LimitState;
  /** The raw core, when it fit within the journal limit; the caller closes it. */
  readonly memfd: number | undefined;
}

export interface MemoryCaptureOptions {
  readonly maxBytes: number;
  /** Keep at most this many bytes in the memfd; 0 = keep nothing, only count. */
  readonly keepBytes: number;
  readonly onProgress?: ((bytes: number) => void) | undefined;
}

export async function captureToMemfd(
  coreFd: number,
  opts: MemoryCaptureOptions,
): Promise<MemfdCore> {
  const limit = newLimitState();
  let memfd: number | undefined =
    opts.keepBytes > 0 ? memfdCreate('coredump', { allowSealing: true }) : undefined;
  let kept = 0;
  const drop = (): void => {
    if (memfd !== undefined) closeSync(memfd);
    memfd = undefined;
  };
  const sink = async (source: AsyncIterable<Buffer>): Promise<void> => {
    for await (const chunk of source) {
      if (memfd === undefined) continue;
      if (kept + chunk.length > opts.keepBytes) {
        drop(); // too big for COREDUMP=; keep reading to learn the full size
        continue;
      }
      let off = 0;
      try {
        while (off < chunk.length) {
          off += (await writeAsync(memfd, chunk, off, chunk.length - off, null)).bytesWritten;
        }
      } catch (error) {
        throw new CoredumpError('ERR_STORAGE_IO', 'Failed to buffer the core for the journal', {
          cause: error,
        });
      }
      kept += chunk.length;
    }
  };
  try {
    await pipeline(readCore(coreFd), limitBytes(opts.maxBytes, limit, opts.onProgress), sink);
  } catch (error) {
    drop();
    throw error;
  }
  return { limit, memfd };
}
