// readCoreNotes: what a core's own notes say (signal, threads, mappings, auxv), for
// callers that hold a core or its first bytes, e.g. the kernel-socket worker, which
// takes the signal from the core. Same header and note reader as the mini core.
import type { ElfFailure } from './core-layout.js';
import { readNotesOnly } from './mini-core.js';
import { type CoreNotesInfo, interpretNotes } from './notes.js';

export interface CoreNotes extends CoreNotesInfo {
  readonly ok: true;
  readonly machine: number;
}

export type CoreNotesResult = CoreNotes | ElfFailure;

/** Parse the notes of a core held in memory (whole, or a prefix that holds the notes). */
export function readCoreNotes(core: Buffer): CoreNotesResult {
  const read = readNotesOnly(core);
  if ('ok' in read) return read;
  return {
    ok: true,
    machine: read.header.machine,
    ...interpretNotes(read.notes, read.header.machine),
  };
}
