import { describe, expect, it } from 'vitest';
import { parseCommand } from './args.js';
import { AdminError } from './errors.js';

describe('parseCommand', () => {
  it.for([
    [['install'], { verb: 'install', root: '/' }],
    [['install', '--root', '/tmp/x'], { verb: 'install', root: '/tmp/x' }],
    [['uninstall', '--root=/srv/r'], { verb: 'uninstall', root: '/srv/r' }],
    [['collect'], { verb: 'collect' }],
    [['demo'], { verb: 'demo' }],
    [[], { verb: 'help' }],
    [['--help'], { verb: 'help' }],
    [['--version'], { verb: 'version' }],
  ] as const)('%j', ([argv, expected]) => {
    expect(parseCommand(argv)).toEqual(expected);
  });

  it.for([
    [['frobnicate']],
    [['install', '--bogus']],
    [['install', 'extra']],
    [['install', '--root']],
    [['install', '--root', '']],
    [['collect', '--root', '/']],
  ] as const)('rejects %j with ERR_USAGE', ([argv]) => {
    let caught: unknown;
    try {
      parseCommand(argv);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AdminError);
    expect((caught as AdminError).code).toBe('ERR_USAGE');
  });
});
