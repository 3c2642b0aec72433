// glob(3) with GLOB_NOCHECK, as systemd's coredumpctl expands --file=: '*', '?',
// '[...]' (ranges, '!' or '^' to negate, ']' first is literal) and '\' quoting
// in any path component; no match gives the pattern back unchanged. Matching is
// by tokens with one backtrack point per '*': O(pattern x name), never
// exponential, and no RegExp is built from user text.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

type Token =
  | { kind: 'star' }
  | { kind: 'one' }
  | { kind: 'char'; c: string }
  | { kind: 'set'; negate: boolean; chars: string; ranges: [string, string][] };

const MAGIC = /[*?[]/;
/** Matches no character. */
const NOTHING: Token = { kind: 'set', negate: false, chars: '', ranges: [] };

/** The tokens of one path component's pattern. */
export function tokenize(pattern: string): Token[] {
  const tokens: Token[] = [];
  const chars = Array.from(pattern); // code points, as fnmatch() sees characters
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === '*') {
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (c === '?') tokens.push({ kind: 'one' });
    else if (c === '\\')
      // A trailing backslash quotes nothing: glibc's fnmatch() then matches no name.
      tokens.push(i + 1 < chars.length ? { kind: 'char', c: chars[++i] as string } : NOTHING);
    else if (c === '[') {
      const set = bracket(chars, i);
      if (set === undefined) tokens.push({ kind: 'char', c });
      else {
        tokens.push(set.token);
        i = set.end;
      }
    } else tokens.push({ kind: 'char', c });
  }
  return tokens;
}

/** A bracket expression at chars[start] === '[', or undefined when it has no closing ']'. */
function bracket(
  chars: readonly string[],
  start: number,
): { token: Token & { kind: 'set' }; end: number } | undefined {
  let i = start + 1;
  const negate = chars[i] === '!' || chars[i] === '^';
  if (negate) i++;
  const token = { kind: 'set' as const, negate, chars: '', ranges: [] as [string, string][] };
  for (let first = true; i < chars.length; first = false) {
    let c = chars[i] as string;
    if (c === ']' && !first) return { token, end: i };
    if (c === '\\' && i + 1 < chars.length) c = chars[++i] as string;
    const hi = chars[i + 2];
    if (chars[i + 1] === '-' && hi !== undefined && hi !== ']') {
      // A range whose start sorts after its end matches nothing, as in glibc.
      token.ranges.push([c, hi === '\\' && i + 3 < chars.length ? (chars[i + 3] as string) : hi]);
      i += hi === '\\' ? 4 : 3;
    } else {
      token.chars += c;
      i++;
    }
  }
  return undefined;
}

function matchesOne(t: Token, c: string): boolean {
  switch (t.kind) {
    case 'one':
      return true;
    case 'char':
      return t.c === c;
    case 'set': {
      const inSet = t.chars.includes(c) || t.ranges.some(([lo, hi]) => lo <= c && c <= hi);
      return inSet !== t.negate;
    }
    case 'star':
      return false;
  }
}

/**
 * Whether `name` (one path component) matches the tokens. Each '*' keeps one
 * restart point; a later '*' replaces it, so the work is bounded by
 * tokens x characters.
 */
export function matchTokens(
  tokens: readonly Token[],
  name: string,
  work: { steps: number } = { steps: 0 },
): boolean {
  const s = Array.from(name);
  let t = 0;
  let i = 0;
  let starT = -1;
  let starI = 0;
  while (i < s.length) {
    work.steps++;
    const tok = tokens[t];
    if (tok !== undefined && tok.kind === 'star') {
      starT = t++;
      starI = i;
    } else if (tok !== undefined && matchesOne(tok, s[i] as string)) {
      t++;
      i++;
    } else if (starT >= 0) {
      t = starT + 1;
      i = ++starI;
    } else return false;
  }
  while (tokens[t]?.kind === 'star') t++;
  return t === tokens.length;
}

export function glob(pattern: string, cwd: string = process.cwd()): string[] {
  if (!MAGIC.test(pattern)) return [pattern];
  const absolute = pattern.startsWith('/');
  const parts = pattern.split('/').filter((p) => p !== '');
  let paths = [absolute ? '/' : ''];
  for (const part of parts) {
    const next: string[] = [];
    for (const base of paths) {
      if (!MAGIC.test(part)) {
        next.push(base === '' ? part : join(base, part));
        continue;
      }
      const tokens = tokenize(part);
      let names: string[] = [];
      try {
        names = readdirSync(base === '' ? cwd : absolute ? base : join(cwd, base));
      } catch {
        continue;
      }
      for (const name of names.sort()) {
        // A leading dot is matched only by a literal dot (no GLOB_PERIOD).
        if (name.startsWith('.') && !part.startsWith('.')) continue;
        if (matchTokens(tokens, name)) next.push(base === '' ? name : join(base, name));
      }
    }
    paths = next;
  }
  const existing = paths.filter((p) => {
    try {
      statSync(absolute ? p : join(cwd, p));
      return true;
    } catch {
      return false;
    }
  });
  return existing.length > 0 ? existing : [pattern];
}
