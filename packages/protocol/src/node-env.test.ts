import { describe, expect, it } from 'vitest';

import { UNUSED_NODE_ENV, launcherShebang, withoutUnusedNodeEnv } from './node-env.js';

describe('launcherShebang', () => {
  it('unsets each unused variable through env -S, then runs the given node', () => {
    expect(launcherShebang('/usr/bin/node')).toBe(
      '#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS /usr/bin/node',
    );
    expect(launcherShebang('/opt/node/bin/node')).toMatch(/ \/opt\/node\/bin\/node$/);
  });
});

describe('withoutUnusedNodeEnv', () => {
  it('drops exactly UNUSED_NODE_ENV', () => {
    const env = {
      PATH: '/bin',
      NODE_OPTIONS: '--x',
      ...Object.fromEntries(UNUSED_NODE_ENV.map((n) => [n, 'v'])),
    };
    expect(withoutUnusedNodeEnv(env)).toEqual({ PATH: '/bin', NODE_OPTIONS: '--x' });
  });
});
