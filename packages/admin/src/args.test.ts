import { describe, expect, it } from 'vitest';
import { parseCommand } from './args.js';
import { AdminError } from './errors.js';

describe('parseCommand', () => {
  it.for([
    [['install'], { verb: 'install', root: '/', mode: 'auto' }],
    [['install', '--root', '/tmp/x'], { verb: 'install', root: '/tmp/x', mode: 'auto' }],
    [['install', '--mode=pipe'], { verb: 'install', root: '/', mode: 'pipe' }],
    [['uninstall', '--root=/srv/r'], { verb: 'uninstall', root: '/srv/r' }],
    [['collect'], { verb: 'collect', mode: 'auto' }],
    [['collect', '--mode', 'socket'], { verb: 'collect', mode: 'socket' }],
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
    [['collect', '--mode=fast']],
    [['uninstall', '--mode=pipe']],
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
