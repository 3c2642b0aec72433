// The reader entry must not reach @coredump-ts/unix (the native addon) through
// any static import: coredumpctl loads it without the addon being built.
import { describe, expect, it } from 'vitest';

import { staticImports } from '../../../test/support/module-graph.js';

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
