import { describe, expect, it } from 'vitest';
import { signalName } from './signal.js';

describe('signalName', () => {
  it.for([
    [1, 'SIGHUP'],
    [2, 'SIGINT'],
    [3, 'SIGQUIT'],
    [4, 'SIGILL'],
    [5, 'SIGTRAP'],
    [6, 'SIGABRT'],
    [7, 'SIGBUS'],
    [8, 'SIGFPE'],
    [9, 'SIGKILL'],
    [10, 'SIGUSR1'],
    [11, 'SIGSEGV'],
    [12, 'SIGUSR2'],
    [13, 'SIGPIPE'],
    [14, 'SIGALRM'],
    [15, 'SIGTERM'],
    [16, 'SIGSTKFLT'],
    [17, 'SIGCHLD'],
    [18, 'SIGCONT'],
    [19, 'SIGSTOP'],
    [20, 'SIGTSTP'],
    [21, 'SIGTTIN'],
    [22, 'SIGTTOU'],
    [23, 'SIGURG'],
    [24, 'SIGXCPU'],
    [25, 'SIGXFSZ'],
    [26, 'SIGVTALRM'],
    [27, 'SIGPROF'],
    [28, 'SIGWINCH'],
    [29, 'SIGIO'],
    [30, 'SIGPWR'],
    [31, 'SIGSYS'],
    [32, 'SIG32'],
    [33, 'SIG33'],
    [34, 'SIGRTMIN+0'],
    [37, 'SIGRTMIN+3'],
    [64, 'SIGRTMIN+30'],
    [0, undefined],
    [65, undefined],
    [-11, undefined],
    [1.5, undefined],
  ] as const)('%d -> %s', ([n, name]) => {
    expect(signalName(n)).toBe(name);
  });
});
