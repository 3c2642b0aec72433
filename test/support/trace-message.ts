// MESSAGE of a traced crash: systemd's first line(s), then "\n\n" and the stack trace
// (spec §4.4, §8.2), as every real core now gets through our pipeline (issue 16).
import { expect } from 'vitest';

export function expectTracedMessage(message: unknown, head: string): void {
  expect(typeof message).toBe('string');
  const text = message as string;
  expect(text.slice(0, head.length + 2)).toBe(`${head}\n\n`);
  expect(text).toMatch(/\nStack trace of thread \d+:\n#0 +0x[0-9a-f]{16} /);
  expect(text).toMatch(/\nELF object binary architecture: AMD x86-64\n$/);
}
