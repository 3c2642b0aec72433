import { FIELD } from '@coredump-ts/protocol';
import { describe, expect, it } from 'vitest';

import { mergeMembers, packageFields } from './package-fields.js';
import { golden, module, trace } from '../test/support.js';

describe('packageFields', () => {
  it.for(['pkg', 'threads'])("%s: systemd 252's COREDUMP_PACKAGE_* fields", (name) => {
    const { trace: t, systemd } = golden(name);
    const expected = [
      'COREDUMP_PACKAGE_JSON',
      'COREDUMP_PACKAGE_NAME',
      'COREDUMP_PACKAGE_VERSION',
    ].flatMap((field) => {
      const value = systemd[field];
      return value === undefined ? [] : [{ name: field, value }];
    });
    expect(packageFields(t, systemd.exe)).toEqual(expected);
  });

  it('uses the field names protocol defines', () => {
    const t = trace({ modules: [module({ name: 'x', package: { name: 'n', version: 'v' } })] });
    expect(packageFields(t, '/usr/bin/x').map((f) => f.name)).toEqual([
      FIELD.PACKAGE_JSON,
      FIELD.PACKAGE_NAME,
      FIELD.PACKAGE_VERSION,
    ]);
  });

  it('always has elfType; elfArchitecture when known; modules in order, once per name', () => {
    expect(packageFields(trace({ architecture: null }), undefined)).toEqual([
      { name: 'COREDUMP_PACKAGE_JSON', value: '{"elfType":"coredump"}' },
    ]);
    const t = trace({
      modules: [
        module({ name: 'libz.so.1', buildId: null, package: { name: 'z', type: 'deb' } }),
        module({ name: 'bin', package: { buildId: 'old', name: 'b', 'o"k': 'a\nb\u0001' } }),
        module({ name: 'libz.so.1', package: { name: 'second' } }),
      ],
    });
    expect(packageFields(t, undefined)[0]?.value).toBe(
      '{"elfType":"coredump","elfArchitecture":"AMD x86-64",' +
        '"libz.so.1":{"name":"z","type":"deb"},' +
        '"bin":{"name":"b","o\\"k":"a\\nb\\u0001","buildId":"abcd"}}',
    );
  });

  it.for([
    ['/usr/bin/bash', 'bash', true],
    ['/usr/bin/bash/', 'bash', true],
    ['bash', 'bash', true],
    ['/usr/bin/bash', '/opt/bash', true],
    ['/usr/bin/bash', 'bash.real', false],
    ['/', '/', false],
    ['/usr/bin/..', '..', false],
  ] as const)('exe %s and module %s: name and version taken = %s', ([exe, name, taken]) => {
    const t = trace({ modules: [module({ name, package: { name: 'pkg', version: '1.0' } })] });
    const fields = packageFields(t, exe).map((f) => f.name);
    expect(fields.includes('COREDUMP_PACKAGE_NAME')).toBe(taken);
    expect(fields.includes('COREDUMP_PACKAGE_VERSION')).toBe(taken);
  });

  it('name and version only when they are strings', () => {
    const t = trace({ modules: [module({ name: 'x', package: { name: 7, version: 'v' } })] });
    expect(packageFields(t, '/bin/x').slice(1)).toEqual([
      { name: 'COREDUMP_PACKAGE_VERSION', value: 'v' },
    ]);
  });
});

describe('mergeMembers (json_variant_merge)', () => {
  it("keeps a's members that b lacks, in order, then all of b's", () => {
    expect(
      mergeMembers(
        [
          ['a', 1],
          ['b', 2],
          ['c', 3],
        ],
        [
          ['b', 20],
          ['d', 4],
        ],
      ),
    ).toEqual([
      ['a', 1],
      ['c', 3],
      ['b', 20],
      ['d', 4],
    ]);
  });
});
