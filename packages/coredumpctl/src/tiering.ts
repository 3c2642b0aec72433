// When V8's optimising compiler (TurboFan) may run while list and top read
// the journal. A listing is one hot loop over each entry, run once, in a
// process that lives a few hundred milliseconds: on the 2-core machine,
// compiling its functions with TurboFan (~150 ms of compiler-thread time for
// 5,000 entries) cost more than the optimised code saved, and the baseline
// code (Sparkplug) read 5,000 entries ~2x faster from a cold start
// (docs/performance.md, "coredumpctl list"). Past OPTIMIZE_AFTER_ENTRIES
// entries the loop runs long enough to pay for it, and TurboFan is let in
// again. V8 reads the flag at each tier-up decision, so it can change mid-run.
import { setFlagsFromString } from 'node:v8';

/** Entries after which TurboFan is allowed again (baseline ~7 us/entry, optimised ~2). */
export const OPTIMIZE_AFTER_ENTRIES = 10_000;

/** Counts entries read and lets TurboFan in once there are enough. */
export class Tiering {
  private count = 0;
  private deferred = true;

  constructor() {
    setFlagsFromString('--no-turbofan');
  }

  /** One more entry read. */
  step(): void {
    if (this.deferred && ++this.count >= OPTIMIZE_AFTER_ENTRIES) this.allow();
  }

  /** TurboFan again (a long-running caller calls this when the listing is done). */
  allow(): void {
    if (!this.deferred) return;
    this.deferred = false;
    setFlagsFromString('--turbofan');
  }
}
