// coredumpctl must start without any native addon: the journal reader entry
// only (no @coredump-ts/unix), and zstd-napi loaded by dump/debug on demand.
// list and top start without the other verbs and what only they need
// (child_process, streams, tty): those load on use.
import { describe, expect, it } from 'vitest';

import { staticImports } from '../../../test/support/module-graph.js';

describe('module graph of cli.ts (main.ts runs it, or its bundle)', () => {
  const specs = staticImports(new URL('./cli.ts', import.meta.url));

  it('reaches list, top and the journal reader entry', () => {
    expect(specs).toContain('./run.js');
    expect(specs).toContain('./list.js');
    expect(specs).toContain('./top.js');
    expect(specs).toContain('@coredump-ts/journal/read');
  });

  it.for([
    '@coredump-ts/unix',
    '@coredump-ts/journal',
    'zstd-napi',
    // the pager and colours: only when stdout is a tty
    './terminal.js',
    './pager.js',
    // the other verbs, and the modules only they (or journalctl) need
    './info.js',
    './dump.js',
    './debug.js',
    './metrics.js',
    './core-source.js',
    'node:child_process',
    'node:stream',
    'node:stream/promises',
    'node:tty',
  ])('does not statically import %s', (name) => {
    expect(specs).not.toContain(name);
  });
});
