import { describe, expect, it } from 'vitest';

import { rateLimitNote } from './rate-limit.js';

describe('a suppressed crash, in MESSAGE', () => {
  const v = { verdict: 'suppress', suppressed: 4 } as const;

  it('each way in its own words, with the count since the last stored core', () => {
    expect(rateLimitNote(v, 'not stored')).toBe(
      'The core was not stored because of the rate limit (4 suppressed since the last one stored).',
    );
    expect(rateLimitNote(v, 'not dumped')).toBe(
      'The kernel was told not to dump the core because of the rate limit (4 suppressed since the last one stored).',
    );
    expect(rateLimitNote(v, 'cut short')).toBe(
      "The dump was stopped after the core's notes because of the rate limit (4 suppressed since the last one stored).",
    );
  });
});
