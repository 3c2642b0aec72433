import { describe, expect, it } from 'vitest';

import { parseListen } from './server.js';

describe('parseListen', () => {
  it.for([
    [':9113', { host: undefined, port: 9113 }],
    ['9113', { host: undefined, port: 9113 }],
    ['127.0.0.1:9113', { host: '127.0.0.1', port: 9113 }],
    ['[::1]:9113', { host: '::1', port: 9113 }],
    ['localhost:0', { host: 'localhost', port: 0 }],
  ] as const)('%s', ([text, want]) => {
    expect(parseListen(text)).toEqual(want);
  });

  it.for(['', 'host:', ':70000', 'a:b', '::1:9113x'])('refuses %j', (text) => {
    expect(() => parseListen(text)).toThrow(/Invalid --listen= address/);
  });
});
