// The forward-only core stream, seen as a queue of byte ranges someone wants.
//
// Chunks arrive in order. Each capture names a range of core file offsets and a sink
// that receives that range's bytes, in order, as they stream by; when the range has
// passed, its `complete` runs and may want further ranges. A range wanted after its
// bytes went by is clipped to what is still available (the current chunk is still
// readable while captures complete inside it); what was missed is counted.

export interface CaptureSpec {
  readonly start: number;
  readonly end: number;
  /** Receives the range's bytes in order, with their core offset; the buffer is only valid during the call. */
  readonly sink: (bytes: Buffer, offset: number) => void;
  /** Runs once, when the stream has passed the range's end (not at a truncated end). */
  readonly complete?: (() => void) | undefined;
}

interface Capture extends CaptureSpec {
  next: number;
  done: boolean;
}

export class CaptureQueue {
  /** Core bytes seen so far: the offset the next chunk must start at. */
  position = 0;
  /** Bytes of wanted ranges that had already streamed by when they were wanted. */
  missedBytes = 0;
  private captures: Capture[] = [];
  private head = 0;
  private queued: Capture[] = [];
  /** Start of the first capture not done (sorted by start), for the fast path. */
  private nextStart = Infinity;
  /** Start of the chunk being processed: bytes from here on are still readable. */
  private available = 0;

  want(spec: CaptureSpec): void {
    const start = Math.max(spec.start, this.available);
    if (spec.end <= spec.start) return;
    this.missedBytes += Math.min(spec.end, start) - spec.start;
    if (start >= spec.end) return;
    this.queued.push({ ...spec, start, next: start, done: false });
  }

  /** Feed one chunk; `offset` must equal `position`. */
  push(chunk: Buffer, offset: number): void {
    const end = offset + chunk.length;
    // The common case, most of a large core: nothing wanted in this chunk.
    if (end <= this.nextStart && this.queued.length === 0) {
      this.position = end;
      this.available = end;
      return;
    }
    this.available = offset;
    this.merge();
    for (;;) {
      for (let i = this.head; i < this.captures.length; i++) {
        const c = this.captures[i];
        if (c === undefined || c.start >= end) break;
        if (c.done) continue;
        const from = Math.max(c.next, offset);
        const to = Math.min(c.end, end);
        if (from < to) {
          c.sink(chunk.subarray(from - offset, to - offset), from);
          c.next = to;
        }
        if (c.next >= c.end) {
          c.done = true;
          c.complete?.();
        }
      }
      while (this.captures[this.head]?.done === true) this.head++;
      if (this.queued.length === 0) break;
      this.merge();
    }
    this.nextStart = this.captures[this.head]?.start ?? Infinity;
    this.position = end;
    this.available = end;
  }

  /** True while some wanted range has not fully streamed by. */
  get pending(): boolean {
    return this.queued.length > 0 || this.captures.some((c, i) => i >= this.head && !c.done);
  }

  private merge(): void {
    if (this.queued.length === 0) return;
    const rest = this.captures.slice(this.head).filter((c) => !c.done);
    this.captures = rest.concat(this.queued).sort((a, b) => a.start - b.start);
    this.queued = [];
    this.head = 0;
  }
}
