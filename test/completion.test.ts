// bash completion for coredumpctl-ts (completion/coredumpctl-ts.bash), run in
// a real bash with COMP_WORDS set as readline would: commands, options,
// option values, FIELD= matches; its field list is protocol's.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { FIELD } from '@coredump-ts/protocol';

const SCRIPT = new URL('../completion/coredumpctl-ts.bash', import.meta.url).pathname;

/** COMPREPLY for the command line `words`, the cursor in the last word. */
function complete(words: readonly string[]): string[] {
  const quoted = words.map((w) => `'${w.replaceAll("'", "'\\''")}'`).join(' ');
  const r = spawnSync(
    'bash',
    [
      '-c',
      `source '${SCRIPT}'; COMP_WORDS=(${quoted}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _coredumpctl_ts; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { encoding: 'utf8' },
  );
  expect(r.stderr).toBe('');
  return r.stdout.split('\n').filter((l) => l !== '');
}

describe('coredumpctl-ts bash completion', () => {
  it('is registered for coredumpctl-ts', () => {
    expect(readFileSync(SCRIPT, 'utf8')).toMatch(/^complete -F _coredumpctl_ts coredumpctl-ts$/m);
  });

  it.for([
    [
      ['coredumpctl-ts', ''],
      ['list', 'info', 'dump', 'debug', 'top', 'metrics'],
    ],
    [['coredumpctl-ts', 'in'], ['info']],
    [['coredumpctl-ts', '--js'], ['--json=']],
    [['coredumpctl-ts', '--json=p'], ['--json=pretty']],
    [['coredumpctl-ts', '--rev'], ['--reverse']],
    [
      ['coredumpctl-ts', '-F', 'COREDUMP_SIG'],
      ['COREDUMP_SIGNAL', 'COREDUMP_SIGNAL_NAME'],
    ],
    [['coredumpctl-ts', 'list', 'COREDUMP_EX'], ['COREDUMP_EXE=']],
    [['coredumpctl-ts', 'info', 'COREDUMP_COM'], ['COREDUMP_COMM=']],
  ] as const)('%j -> %j', ([words, want]) => {
    const got = complete(words);
    for (const w of want) expect(got).toContain(w);
    if (words.at(-1) !== '') expect(got.length).toBe(want.length);
  });

  it('after a command, no second command is offered', () => {
    expect(complete(['coredumpctl-ts', 'list', 'd'])).toEqual([]);
  });

  it('lists exactly the COREDUMP_* fields protocol defines', () => {
    const text = readFileSync(SCRIPT, 'utf8');
    const block = /_coredumpctl_ts_fields=\(([^)]*)\)/.exec(text)?.[1] ?? '';
    const listed = block.split(/\s+/).filter(Boolean).sort();
    const defined = Object.values(FIELD)
      .filter((f) => f.startsWith('COREDUMP_'))
      .sort();
    expect(listed).toEqual(defined);
  });
});
