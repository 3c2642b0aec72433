// Match classification (spec §10.3): FIELD=value, a path, a PID, else a comm.
import { resolve } from 'node:path';

export const MESSAGE_ID_COREDUMP = 'fc2e22bc6ee647b6b90729ab34a250b1';
export const MESSAGE_ID_BACKTRACE = '1f4e0a44a88649939aaea34fc6da8c95';

const PID_TEXT = /^\s*\+?(\d+)$/;
const DIGITS = /^\d+$/;

/** systemd's parse_pid(): a decimal (leading whitespace and '+' tolerated) > 0 that fits pid_t. */
export function parsePid(text: string): number | undefined {
  // Plain digits (every PID journald writes) need no match array.
  const digits = DIGITS.test(text) ? text : PID_TEXT.exec(text)?.[1];
  if (digits === undefined) return undefined;
  const n = Number(digits);
  return n > 0 && n <= 0x7fffffff ? n : undefined;
}

export function classifyMatch(match: string, cwd: string = process.cwd()): string {
  if (match.includes('=')) return match;
  if (match.includes('/')) return `COREDUMP_EXE=${resolve(cwd, match)}`;
  if (parsePid(match) !== undefined) return `COREDUMP_PID=${match}`;
  return `COREDUMP_COMM=${match}`;
}

/**
 * journalctl arguments for the matches: the two MESSAGE_IDs ORed, then the user
 * matches. journalctl ANDs different fields and ORs values of the same field,
 * exactly like sd_journal_add_match() without disjunctions.
 */
export function buildMatches(userMatches: readonly string[], cwd?: string): string[] {
  return [
    `MESSAGE_ID=${MESSAGE_ID_COREDUMP}`,
    `MESSAGE_ID=${MESSAGE_ID_BACKTRACE}`,
    ...userMatches.map((m) => classifyMatch(m, cwd)),
  ];
}
