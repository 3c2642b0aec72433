// Flood control in socket mode (issue 18): the verdict is made before the
// dump, from what the peer's pidfd and /proc tell (the process is still there,
// waiting on the kernel), so that a suppressed crash is rejected
// (COREDUMP_REJECT) and the kernel never writes its core. The entry is still
// written from the same context. It needs the signal, which only Linux 6.19+
// gives in the pidfd info: before that the worker lets the dump start, reads
// the notes and hangs up instead (socket-worker.ts, docs/fields.md).
import { buildJournalFields, type CollectedContext } from '@coredump-ts/context';
import type { CoredumpConfig } from '@coredump-ts/config';
import {
  decideRateLimit,
  RATE_LIMIT_OFF,
  type Log,
  type Paths,
  type RateLimitVerdict,
} from '@coredump-ts/pipeline';

import type { AckDecision } from './handshake.js';
import { contextFromPeer, verifyPeer, type OpenedPeer } from './peer-context.js';

export interface PreDumpVerdict {
  readonly decision: AckDecision;
  readonly limit: RateLimitVerdict;
  /** The context the verdict was made on (for the entry: /proc is read once). */
  readonly ctx?: CollectedContext;
  /** What reading it warned about, to be logged with the crash. */
  readonly warnings?: readonly string[];
}

const DUMP: PreDumpVerdict = { decision: 'dump', limit: RATE_LIMIT_OFF };

/**
 * 'reject' when flood control suppresses this crash. A peer that is not a
 * crash, or whose context cannot be read, is dumped-as-usual here and judged
 * by the normal path after the handshake (which refuses it with systemd's error).
 */
export function decideBeforeDump(
  opened: OpenedPeer,
  acceptedUsec: number,
  deps: { readonly config: CoredumpConfig; readonly paths: Paths; readonly log: Log },
): PreDumpVerdict {
  const { config, paths, log } = deps;
  if (config.rateLimitIntervalUsec <= 0 || config.rateLimitBurst <= 0) return DUMP;
  let ctx: CollectedContext;
  let warnings: readonly string[];
  try {
    const peer = verifyPeer(opened);
    ({ ctx, warnings } = contextFromPeer(peer, {
      procRoot: paths.procRoot,
      timestampUsec: acceptedUsec,
      signal: peer.signal,
    }));
  } catch {
    return DUMP;
  }
  const limit = decideRateLimit(ctx.meta, buildJournalFields(ctx), {
    config,
    storageDir: paths.storageDir,
    log,
  });
  return { decision: limit.verdict === 'suppress' ? 'reject' : 'dump', limit, ctx, warnings };
}
