// Flood control (issue 18, DESIGN §5): at most RateLimitBurst= cores are
// stored per RateLimitIntervalSec= for one crashing service (else one
// executable). Past the budget the journal entry is still written, with the
// count of cores suppressed since the last one kept. Pure: the state file and
// its lock are state-file.ts.

export interface RateLimitSettings {
  /** RateLimitIntervalSec= in µs; 0 turns flood control off. */
  readonly intervalUsec: number;
  /** RateLimitBurst=; 0 turns flood control off. */
  readonly burst: number;
}

export interface Bucket {
  /** Start of the current interval (µs, realtime). */
  readonly windowStartUsec: number;
  /** Cores kept in the current interval. */
  readonly kept: number;
  /** Cores suppressed since the last one kept (reset when one is kept). */
  readonly suppressed: number;
  /** The last crash seen for this key, for pruning. */
  readonly lastSeenUsec: number;
}

export interface RateLimitState {
  readonly buckets: Readonly<Record<string, Bucket>>;
}

export type Verdict = 'off' | 'keep' | 'suppress';

export interface Decision {
  readonly verdict: Verdict;
  /**
   * 'suppress': cores suppressed since the last kept one, this one included.
   * 'keep': how many were suppressed just before this one (0 if none).
   */
  readonly suppressed: number;
  readonly state: RateLimitState;
}

/** The most keys the state holds; the least recently seen go first. */
export const MAX_BUCKETS = 1024;

export const EMPTY_STATE: RateLimitState = { buckets: {} };

export const isRateLimitOn = (s: RateLimitSettings): boolean => s.intervalUsec > 0 && s.burst > 0;

export interface KeyFields {
  readonly unit?: string | undefined;
  readonly userUnit?: string | undefined;
  readonly ownerUid?: string | undefined;
  readonly exe?: string | undefined;
  readonly comm: string;
}

/**
 * The budget's key: the crashing service (a user service qualified by its
 * owner), else the executable. Scopes and slices are not services: a login
 * session's scope holds whatever its user started, so crashes there are
 * counted per executable, and one crash loop in a shell cannot use up the
 * budget of everything else in that session.
 */
export function rateLimitKey(f: KeyFields): string {
  if (f.userUnit?.endsWith('.service') === true) {
    return `user-unit:${f.ownerUid ?? '?'}:${f.userUnit}`;
  }
  if (f.unit?.endsWith('.service') === true) return `unit:${f.unit}`;
  return `exe:${f.exe ?? f.comm}`;
}

export function decide(
  state: RateLimitState,
  key: string,
  nowUsec: number,
  settings: RateLimitSettings,
): Decision {
  if (!isRateLimitOn(settings)) return { verdict: 'off', suppressed: 0, state };
  const old = state.buckets[key];
  // A clock that went backwards starts a new interval rather than extending one.
  const fresh =
    old === undefined ||
    nowUsec < old.windowStartUsec ||
    nowUsec - old.windowStartUsec >= settings.intervalUsec;
  const bucket: Bucket = fresh
    ? { windowStartUsec: nowUsec, kept: 0, suppressed: old?.suppressed ?? 0, lastSeenUsec: nowUsec }
    : { ...old, lastSeenUsec: nowUsec };
  if (bucket.kept < settings.burst) {
    const next = { ...bucket, kept: bucket.kept + 1, suppressed: 0 };
    return {
      verdict: 'keep',
      suppressed: bucket.suppressed,
      state: withBucket(state, key, next, settings, nowUsec),
    };
  }
  const next = { ...bucket, suppressed: bucket.suppressed + 1 };
  return {
    verdict: 'suppress',
    suppressed: next.suppressed,
    state: withBucket(state, key, next, settings, nowUsec),
  };
}

/**
 * The state with key's bucket replaced, and bounded: buckets whose interval
 * ended and that owe no suppressed count are dropped, then the least recently
 * seen beyond MAX_BUCKETS.
 */
function withBucket(
  state: RateLimitState,
  key: string,
  bucket: Bucket,
  settings: RateLimitSettings,
  nowUsec: number,
): RateLimitState {
  const entries = Object.entries(state.buckets).filter(
    ([k, b]) =>
      k !== key && (b.suppressed > 0 || nowUsec - b.windowStartUsec < settings.intervalUsec),
  );
  entries.push([key, bucket]);
  if (entries.length > MAX_BUCKETS) {
    entries.sort((a, b) => b[1].lastSeenUsec - a[1].lastSeenUsec);
    entries.length = MAX_BUCKETS;
  }
  return { buckets: Object.fromEntries(entries) };
}

/** Parses state-file text; anything not of the expected shape is an error with a reason. */
export function parseState(text: string): { state: RateLimitState } | { error: string } {
  if (text.trim() === '') return { state: EMPTY_STATE };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { error: `not JSON (${(error as Error).message})` };
  }
  const buckets = (raw as { buckets?: unknown } | null)?.buckets;
  if (typeof buckets !== 'object' || buckets === null || Array.isArray(buckets)) {
    return { error: 'no "buckets" object' };
  }
  const out: Record<string, Bucket> = {};
  for (const [key, b] of Object.entries(buckets as Record<string, unknown>)) {
    const v = b as Partial<Record<keyof Bucket, unknown>> | null;
    const nums = [v?.windowStartUsec, v?.kept, v?.suppressed, v?.lastSeenUsec];
    if (!nums.every((n) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0)) {
      return { error: `bad bucket ${JSON.stringify(key)}` };
    }
    out[key] = v as Bucket;
  }
  return { state: { buckets: out } };
}

export const formatState = (state: RateLimitState): string => `${JSON.stringify(state)}\n`;
