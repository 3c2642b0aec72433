// Poll until a condition holds, with a deadline. Tests never sleep a fixed
// time: they wait for what they need and fail with a message naming it.
import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  /** What is being waited for, used in the timeout error. */
  what: string;
  timeoutMs?: number;
  intervalMs?: number;
}

/** Thrown by a waitFor callback to give up at once (the awaited thing can no longer happen). */
export class StopWaiting extends Error {
  override name = 'StopWaiting';
}

/**
 * Call fn until it returns a value other than undefined, null or false, and
 * resolve with that value. Errors thrown by fn count as "not yet"; the last
 * one is attached as the cause of the timeout error, except StopWaiting,
 * which is rethrown at once.
 */
export async function waitFor<T>(
  fn: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  { what, timeoutMs = 10_000, intervalMs = 50 }: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined && value !== null && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      if (error instanceof StopWaiting) throw error;
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`, {
        cause: lastError,
      });
    }
    await sleep(intervalMs);
  }
}
