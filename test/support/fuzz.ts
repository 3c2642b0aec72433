// fast-check settings shared by the property tests (*.property.test.ts): a
// bounded run in `npm test`, a long one in `npm run fuzz` (FC_NUM_RUNS), and
// FC_SEED to replay a failure fast-check reported.
import type { Parameters } from 'fast-check';

/** Runs per property: FC_NUM_RUNS when set, else `small` (what `npm test` pays). */
export function fuzzRuns(small: number): number {
  const n = Number(process.env.FC_NUM_RUNS);
  return Number.isSafeInteger(n) && n > 0 ? n : small;
}

/** fast-check parameters: `small` runs unless FC_NUM_RUNS says otherwise; FC_SEED replays. */
export function fuzzParams<T>(small: number): Parameters<T> {
  const seed = Number(process.env.FC_SEED);
  return {
    numRuns: fuzzRuns(small),
    ...(Number.isSafeInteger(seed) && { seed }),
  };
}
