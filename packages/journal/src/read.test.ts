// The reader entry must not reach @coredump-ts/unix (the native addon) through
// any static import: coredumpctl loads it without the addon being built.
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

describe('module graph', () => {
  it('the reader entry does not import @coredump-ts/unix', () => {
    const specs = staticImports(new URL('./read.ts', import.meta.url));
    expect(specs).toContain('./export-parser.js');
    expect(specs).not.toContain('@coredump-ts/unix');
  });

  it('the full entry still does (the walk sees it)', () => {
    expect(staticImports(new URL('./index.ts', import.meta.url))).toContain('@coredump-ts/unix');
  });
});
