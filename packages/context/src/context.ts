/**
 * The crash context: what is known about one crashed process, from whichever source
 * (spec §3.2-§3.4, §4.1). Readonly once built; the pipeline passes it along and
 * buildJournalFields (journal-fields.ts) is the one place that turns it into fields.
 */
import type { JournalField } from '@coredump-ts/protocol';

/** The typed, validated part of the context (systemd's parsed metadata, spec §3.3). */
export interface CrashMetadata {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
  readonly signal?: number;
  readonly signalName?: string;
  readonly code?: number;
  readonly timestampUsec: number;
  /** RLIMIT_CORE in bytes; Infinity for >= 2^53 (RLIM_INFINITY is 2^64-1). */
  readonly rlimit: number;
  readonly hostname?: string;
  /** 0 when absent or out of range (systemd only notices values > 2; raw text stays in fields). */
  readonly dumpable: 0 | 1 | 2;
  readonly comm: string;
  readonly tid?: number;
  readonly threadName?: string;
  readonly exe?: string;
  readonly unit?: string;
  readonly byPidfd: boolean;
  readonly pidfdId?: string;
  readonly auxv?: Buffer;
}

/**
 * Context fields collected locally (kernel argv + /proc, or a peer's pidfd + /proc), by
 * name (FIELD.*); buildJournalFields puts them in systemd 262's build_iovw order.
 */
export type ContextValues = ReadonlyMap<string, Buffer>;

/** Collected here: from the kernel's core_pattern argv, or (kernel socket mode) a peer pidfd. */
export interface CollectedContext {
  readonly source: 'kernel' | 'peer';
  readonly meta: CrashMetadata;
  readonly values: ContextValues;
}

/** Received from a coredump socket sender: the fields go to the journal as they came. */
export interface ReceivedContext {
  readonly source: 'datagrams';
  readonly meta: CrashMetadata;
  /** Every received field, in the order received. */
  readonly received: readonly JournalField[];
}

export type CrashContext = CollectedContext | ReceivedContext;
export type ContextSource = CrashContext['source'];
