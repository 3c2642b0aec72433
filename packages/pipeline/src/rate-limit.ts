// Flood control on the crash path (issue 18, docs/fields.md): with
// RateLimitIntervalSec= and RateLimitBurst= set, each crash is counted against
// its service's (else its executable's) budget in the state file in the
// storage directory BEFORE the core is read. A suppressed crash still gets its
// journal entry, marked, but no file: the core is only drained so the kernel
// sees EOF. Fails open (the state file's warnings are logged, the core kept).
import type { CoredumpConfig } from '@coredump-ts/config';
import type { CrashMetadata } from '@coredump-ts/context';
import { FIELD, field, type JournalField } from '@coredump-ts/protocol';
import {
  applyRateLimit,
  rateLimitKey,
  STATE_FILE_NAME,
  type Verdict,
} from '@coredump-ts/ratelimit';

import { NOTHING, type CaptureResult } from './capture.js';
import type { Log } from './log.js';
import { countOnlySink, streamCore, type CoreObserver } from './stream.js';

export interface RateLimitVerdict {
  readonly verdict: Verdict;
  /** See Decision.suppressed of @coredump-ts/ratelimit. */
  readonly suppressed: number;
}

/**
 * How a suppressed crash's core was skipped, for its MESSAGE: drained and not stored,
 * the kernel told not to dump it, or the dump let start for its notes and hung up on.
 */
export type SkippedHow = 'not stored' | 'not dumped' | 'cut short';

/** A verdict made before the core was read (socket mode): `skipped` says how. */
export interface SubmitRateLimit extends RateLimitVerdict {
  readonly skipped?: SkippedHow;
}

export const RATE_LIMIT_OFF: RateLimitVerdict = { verdict: 'off', suppressed: 0 };

const fieldText = (fields: readonly JournalField[], name: string): string | undefined =>
  fields.find((f) => f.name === name)?.value.toString('utf8');

/**
 * Decides one crash: the key from the crash's unit, user unit and owner (read
 * from its journal fields, where a sender's come as received), else its
 * executable; now is the crash's own timestamp. Each warning is logged once.
 */
export function decideRateLimit(
  meta: CrashMetadata,
  fields: readonly JournalField[],
  deps: { readonly config: CoredumpConfig; readonly storageDir: string; readonly log: Log },
): RateLimitVerdict {
  const { config } = deps;
  const settings = { intervalUsec: config.rateLimitIntervalUsec, burst: config.rateLimitBurst };
  if (settings.intervalUsec <= 0 || settings.burst <= 0) return RATE_LIMIT_OFF;
  const key = rateLimitKey({
    unit: meta.unit ?? fieldText(fields, FIELD.UNIT),
    userUnit: fieldText(fields, FIELD.USER_UNIT),
    ownerUid: fieldText(fields, FIELD.OWNER_UID),
    exe: meta.exe ?? fieldText(fields, FIELD.EXE),
    comm: meta.comm,
  });
  const now = meta.timestampUsec > 0 ? meta.timestampUsec : Date.now() * 1000;
  const out = applyRateLimit(`${deps.storageDir}/${STATE_FILE_NAME}`, key, now, settings);
  for (const w of new Set(out.warnings)) deps.log.warn(w);
  return { verdict: out.verdict, suppressed: out.suppressed };
}

/** The entry's flood-control fields (docs/fields.md). */
export function rateLimitFields(v: RateLimitVerdict): JournalField[] {
  const out: JournalField[] = [];
  if (v.verdict === 'suppress') out.push(field(FIELD.TS_RATE_LIMITED, '1'));
  if (v.verdict !== 'off' && v.suppressed > 0) {
    out.push(field(FIELD.TS_SUPPRESSED, v.suppressed));
  }
  return out;
}

/** The second sentence of MESSAGE for a crash whose core flood control did not keep. */
export function rateLimitNote(v: RateLimitVerdict, skipped: SkippedHow): string {
  const since = `(${String(v.suppressed)} suppressed since the last one stored)`;
  switch (skipped) {
    case 'not stored':
      return `The core was not stored because of the rate limit ${since}.`;
    case 'not dumped':
      return `The kernel was told not to dump the core because of the rate limit ${since}.`;
    case 'cut short':
      return `The dump was stopped after the core's notes because of the rate limit ${since}.`;
  }
}

/**
 * A suppressed crash's core: read to EOF and only counted (no file, no
 * compression), so that the kernel's write ends normally. The observers see
 * it as they would a stored core's (the mini core: a suppressed crash is
 * traced too, so that it shares the stored crashes' signature).
 */
export function drainSuppressed(
  coreFd: number,
  written = true,
  observers: readonly CoreObserver[] = [],
  head?: Buffer,
): CaptureResult {
  try {
    const stream = streamCore(coreFd, {
      maxBytes: Infinity,
      head,
      observers,
      sink: countOnlySink,
    });
    return { ...NOTHING, written, coreBytes: stream.bytes };
  } catch (error) {
    return { ...NOTHING, written, failure: { error, what: 'Failed to drain the suppressed core' } };
  }
}
