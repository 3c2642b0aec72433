import { describe, expect, it } from 'vitest';
import { listenFds } from '@coredump-ts/unix';

// The positive case (fd 3 really inherited from systemd-socket-activate) is
// test/unix-activation.test.ts; here only the cases that adopt no fd.
describe('listenFds', () => {
  it.for([
    ['no variables', {}],
    ['another process', { LISTEN_PID: '1', LISTEN_FDS: '1', LISTEN_FDNAMES: 'x' }],
    ['garbage pid', { LISTEN_PID: 'abc', LISTEN_FDS: '1' }],
    ['zero fds', { LISTEN_PID: String(process.pid), LISTEN_FDS: '0' }],
    ['garbage count', { LISTEN_PID: String(process.pid), LISTEN_FDS: '-1' }],
  ] as const)('%s: adopts nothing and clears the environment', ([, vars]) => {
    const env: NodeJS.ProcessEnv = { ...vars, KEEP: 'yes' };
    expect(listenFds(env)).toEqual([]);
    expect(env).toEqual({ KEEP: 'yes' });
  });
});
