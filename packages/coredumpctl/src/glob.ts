// Minimal glob(3) with GLOB_NOCHECK for --file=: '*', '?' and '[...]' in any
// path component; no match gives the pattern back unchanged.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const MAGIC = /[*?[]/;

function componentRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let set = pattern.slice(i + 1, end);
        if (set.startsWith('!')) set = `^${set.slice(1)}`;
        re += `[${set.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
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
      const re = componentRegExp(part);
      let names: string[] = [];
      try {
        names = readdirSync(base === '' ? cwd : absolute ? base : join(cwd, base));
      } catch {
        continue;
      }
      for (const name of names.sort()) {
        if (name.startsWith('.') && !part.startsWith('.')) continue;
        if (re.test(name)) next.push(base === '' ? name : join(base, name));
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
