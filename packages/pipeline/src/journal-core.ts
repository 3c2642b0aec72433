// Storage=journal and Storage=none capture. Storage=journal needs the raw core
// for COREDUMP=, but the uncompressed core never goes to disk and must not be
// held in the JS heap: it is teed piece by piece into a memfd (kernel memory,
// the same memory journald's memfd path uses) up to JournalSizeMax=, and the
// journal writer copies it from there. Past the limit the rest is only counted.
import { closeSync, writeSync } from 'node:fs';

import { CoredumpError } from '@coredump-ts/protocol';
import { memfdCreate } from '@coredump-ts/unix';

import { countOnlySink, streamCore, type CoreObserver, type StreamResult } from './stream.js';

export interface MemfdCore {
  readonly stream: StreamResult;
  /** The raw core, when it fit within the journal limit; the caller closes it. */
  readonly memfd: number | undefined;
}

export interface MemoryCaptureOptions {
  readonly maxBytes: number;
  /** Keep at most this many bytes in the memfd; 0 = keep nothing, only count. */
  readonly keepBytes: number;
  readonly observers: readonly CoreObserver[];
  /** The core's first bytes, already read from the fd (StreamStages.head). */
  readonly head?: Buffer | undefined;
}

export function captureToMemfd(coreFd: number, opts: MemoryCaptureOptions): MemfdCore {
  let memfd: number | undefined =
    opts.keepBytes > 0 ? memfdCreate('coredump', { allowSealing: true }) : undefined;
  let kept = 0;
  const drop = (): void => {
    if (memfd !== undefined) closeSync(memfd);
    memfd = undefined;
  };
  const tee = (piece: Buffer): void => {
    if (memfd === undefined) return;
    if (kept + piece.length > opts.keepBytes) {
      drop(); // too big for COREDUMP=; keep reading to learn the full size
      return;
    }
    let off = 0;
    try {
      while (off < piece.length) off += writeSync(memfd, piece, off, piece.length - off);
    } catch (error) {
      throw new CoredumpError('ERR_STORAGE_IO', 'Failed to buffer the core for the journal', {
        cause: error,
      });
    }
    kept += piece.length;
  };
  try {
    const stream = streamCore(coreFd, {
      maxBytes: opts.maxBytes,
      head: opts.head,
      observers: opts.observers,
      sink: memfd === undefined ? countOnlySink : tee,
    });
    return { stream, memfd };
  } catch (error) {
    drop();
    throw error;
  }
}
