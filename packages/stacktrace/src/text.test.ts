import { describe, expect, it } from 'vitest';

import { golden, module, trace } from '../test/support.js';
import { formatStackText } from './text.js';

describe('formatStackText', () => {
  it.for(['pkg', 'threads'])("%s: systemd 252's MESSAGE suffix, byte for byte", (name) => {
    const { trace: t, systemd } = golden(name);
    const suffix = systemd.message.slice(systemd.message.indexOf('\n\n') + 2);
    expect(formatStackText(t)).toBe(suffix);
  });

  it.for([
    ['no build-id', module({ name: 'a', buildId: null }), 'Module a without build-id.'],
    [
      'full package reference: no build-id shown',
      module({
        name: 'a',
        package: { type: 'rpm', name: 'p', version: '1', architecture: 'x86_64' },
      }),
      'Module a from rpm p-1.x86_64',
    ],
    [
      'no version: build-id shown',
      module({ name: 'a', package: { type: 'deb', name: 'p' } }),
      'Module a from deb p, build-id=abcd',
    ],
    [
      'no type: "package"',
      module({ name: 'a', package: { name: 'p', version: '2' } }),
      'Module a from package p-2',
    ],
    [
      'no name: only the build-id',
      module({ name: 'a', package: { os: 'debian', version: '2' } }),
      'Module a, build-id=abcd',
    ],
    [
      'no name, no build-id',
      module({ name: 'a', buildId: null, package: { os: 'x' } }),
      'Module a without build-id.\nModule a',
    ],
    [
      "the note's own buildId is replaced by the real one",
      module({ name: 'a', package: { name: 'p', buildId: 'ffff' } }),
      'Module a from package p, build-id=abcd',
    ],
    [
      'values that are not strings count as missing',
      module({ name: 'a', package: { name: 'p', version: 3, type: null } }),
      'Module a from package p, build-id=abcd',
    ],
    [
      'empty strings are present',
      module({ name: 'a', package: { type: '', name: 'p', version: '' } }),
      'Module a from  p-',
    ],
    ['no note, with build-id: no line', module({ name: 'a' }), ''],
  ] as const)('Module lines: %s', ([, m, expected]) => {
    const text = formatStackText(trace({ modules: [m], architecture: null }));
    expect(text).toBe(expected === '' ? '' : `${expected}\n`);
  });

  it('reports the package of each module name once, in module order', () => {
    const modules = [
      module({ name: 'b', package: { name: 'pb', version: '1' } }),
      module({ name: 'a', buildId: null, package: { name: 'pa', version: '1' } }),
      module({ name: 'b', buildId: null, package: { name: 'other', version: '9' } }),
    ];
    expect(formatStackText(trace({ modules, architecture: null }))).toBe(
      [
        'Module b from package pb-1',
        'Module a without build-id.',
        'Module a from package pa-1',
        'Module b without build-id.',
        '',
      ].join('\n'),
    );
  });

  it('frames: #%-2u, 16-digit pc, n/a for what is unknown, a blank line between threads', () => {
    const frame = { pc: '0x401000', function: 'f', module: 'm', offset: '0x10', buildId: null };
    const frames = Array.from({ length: 11 }, (_, i) => ({
      ...frame,
      offset: `0x${(i * 16).toString(16)}`,
    }));
    const text = formatStackText(
      trace({
        threads: [
          {
            tid: 7,
            frames: [
              {
                pc: '0xffffffffffffffff',
                function: null,
                module: null,
                offset: null,
                buildId: null,
              },
            ],
          },
          { tid: 8, frames },
          { tid: 9, frames: [] },
        ],
      }),
    );
    expect(text).toBe(
      [
        'Stack trace of thread 7:',
        '#0  0xffffffffffffffff n/a (n/a + 0x0)',
        '',
        'Stack trace of thread 8:',
        ...frames.map(
          (_, i) => `#${String(i).padEnd(2)} 0x0000000000401000 f (m + 0x${(i * 16).toString(16)})`,
        ),
        '',
        'Stack trace of thread 9:',
        'ELF object binary architecture: AMD x86-64',
        '',
      ].join('\n'),
    );
    expect(text).toContain('\n#10 0x0000000000401000 f (m + 0xa0)\n');
  });

  it('no architecture line without an architecture', () => {
    expect(formatStackText(trace({ architecture: null }))).toBe('');
    expect(formatStackText(trace({}))).toBe('ELF object binary architecture: AMD x86-64\n');
  });
});
