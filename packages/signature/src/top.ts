// `coredumpctl-ts top` (issue 18 item 2): one row per crash signature over the
// selected entries, most frequent first. Pure: the verb reads the entries and
// prints; this groups them.

export interface TopInput {
  /** COREDUMP_TS_SIGNATURE; entries without one (systemd's own) group by exe+signal. */
  readonly signature: string | undefined;
  readonly exe: string;
  readonly signal: number | undefined;
  readonly signalName: string | undefined;
  /** COREDUMP_TS_TOP_FRAME, the first normalised frame. */
  readonly topFrame: string | undefined;
  /** The entry's realtime timestamp (µs). */
  readonly realtimeUsec: number;
}

export interface TopRow {
  /** The signature, or `-` for entries that carry none. */
  readonly signature: string;
  readonly count: number;
  readonly firstUsec: number;
  readonly lastUsec: number;
  readonly exe: string;
  readonly signal: number | undefined;
  readonly signalName: string | undefined;
  readonly topFrame: string | undefined;
}

interface Group {
  signature: string;
  count: number;
  firstUsec: number;
  lastUsec: number;
  last: TopInput;
}

/**
 * Groups by signature (entries without one by exe and signal, shown as `-`),
 * sorted by count, then most recent last crash, then signature. A group shows
 * the exe, signal and top frame of its most recent entry.
 */
export function topCrashers(entries: Iterable<TopInput>): TopRow[] {
  const groups = new Map<string, Group>();
  for (const e of entries) {
    const key = e.signature ?? `\u0000${e.exe}\u0000${String(e.signal ?? '')}`;
    const g = groups.get(key);
    if (g === undefined) {
      groups.set(key, {
        signature: e.signature ?? '-',
        count: 1,
        firstUsec: e.realtimeUsec,
        lastUsec: e.realtimeUsec,
        last: e,
      });
      continue;
    }
    g.count++;
    if (e.realtimeUsec < g.firstUsec) g.firstUsec = e.realtimeUsec;
    if (e.realtimeUsec >= g.lastUsec) {
      g.lastUsec = e.realtimeUsec;
      g.last = e;
    }
  }
  return [...groups.values()]
    .sort(
      (a, b) =>
        b.count - a.count ||
        b.lastUsec - a.lastUsec ||
        (a.signature < b.signature ? -1 : a.signature > b.signature ? 1 : 0),
    )
    .map((g) => ({
      signature: g.signature,
      count: g.count,
      firstUsec: g.firstUsec,
      lastUsec: g.lastUsec,
      exe: g.last.exe,
      signal: g.last.signal,
      signalName: g.last.signalName,
      topFrame: g.last.topFrame,
    }));
}
