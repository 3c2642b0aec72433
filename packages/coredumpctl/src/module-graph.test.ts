// coredumpctl must start without any native addon: the journal reader entry
// only (no @coredump-ts/unix), and zstd-napi loaded by dump/debug on demand.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const STATIC_IMPORT = /^\s*(?:import|export)\s+(?!type\b)[^'"]*?from\s+'([^']+)'/gm;

/** Every specifier statically imported (type-only imports excluded) from `entry`, transitively. */
function staticImports(entry: URL): Set<string> {
  const seen = new Set<string>();
  const specifiers = new Set<string>();
  const visit = (url: URL): void => {
    if (seen.has(url.href)) return;
    seen.add(url.href);
    for (const [, spec = ''] of readFileSync(url, 'utf8').matchAll(STATIC_IMPORT)) {
      specifiers.add(spec);
      if (spec.startsWith('.')) visit(new URL(spec.replace(/\.js$/, '.ts'), url));
    }
  };
  visit(entry);
  return specifiers;
}

describe('module graph of main.ts', () => {
  const specs = staticImports(new URL('./main.ts', import.meta.url));

  it('reaches the verbs and the journal reader entry', () => {
    expect(specs).toContain('./run.js');
    expect(specs).toContain('./core-source.js');
    expect(specs).toContain('@coredump-ts/journal/read');
  });

  it.for(['@coredump-ts/unix', '@coredump-ts/journal', 'zstd-napi'])(
    'does not statically import %s',
    (name) => {
      expect(specs).not.toContain(name);
    },
  );
});
